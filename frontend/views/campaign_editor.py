"""The staff campaign editor: create or edit a campaign (language, kind, keywords, targets, licence, consent) without
code. Forms check what one field can; collector.campaign_editing checks the rest and saves it all in one transaction."""

from __future__ import annotations

from django import forms
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.core.validators import slug_re
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import get_language_info, gettext
from django.utils.translation import gettext_lazy as _

from collector import campaign_editing as editing
from collector.consent import CONSENT_LANGUAGES, LICENCES, consent_language
from collector.models import GROUP_FIELDS, Campaign, Demographics, KeywordTarget, Language

KEYWORD_ROWS_NEW = 8  # empty keyword rows on a new campaign's form (the page's "Add a keyword" adds more)
KEYWORD_ROWS_EDIT = 2
GROUP_ROWS = 2
FIELD_LABELS = dict(KeywordTarget.FIELD_CHOICES)


def _kind_choices():
    seconds = editing.kind_take_seconds()
    return [
        (kind, f"{label}: records {seconds[kind][0]:g} s per take, cleaned to {seconds[kind][1]:g} s")
        for kind, label in Campaign.Kind.choices
    ]


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, error_messages={"required": _("enter the campaign's name")})
    slug = forms.SlugField(
        label=_("Slug"),
        max_length=50,
        required=False,
        help_text=_("In the campaign's links (/c/<slug>/). Empty: made from the name. It cannot change later."),
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    language = forms.ModelChoiceField(
        label=_("Language"),
        queryset=Language.objects.order_by("name"),
        required=False,
        empty_label=_("(a new language, below)"),
    )
    new_language_code = forms.CharField(label=_("New language: code"), max_length=16, required=False)
    new_language_name = forms.CharField(label=_("name"), max_length=100, required=False)
    new_language_accents = forms.CharField(
        label=_("accents"),
        required=False,
        help_text=_("Comma-separated accent labels volunteers may choose from, e.g. Castilian, Mexican."),
    )
    kind = forms.ChoiceField(label=_("Kind"), widget=forms.RadioSelect)
    licence = forms.ChoiceField(label=_("Licence"))
    target_clips_per_keyword = forms.IntegerField(
        label=_("Target clips per keyword"), min_value=1, max_value=10**7, initial=1000
    )
    vote_cap = forms.IntegerField(label=_("Vote cap"), min_value=2, max_value=50, initial=4)
    accuracy_floor = forms.FloatField(label=_("Accuracy floor"), min_value=0.0, max_value=1.0, initial=0.75)
    active = forms.BooleanField(label=_("Active (volunteers can record)"), required=False, initial=True)

    def __init__(self, *args, campaign: Campaign | None, may_add_language: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.may_add_language = may_add_language
        self.fields["kind"].choices = _kind_choices()
        self.fields["licence"].choices = editing.licence_choices(campaign.licence if campaign else None)
        self.fields["licence"].error_messages["invalid_choice"] = gettext(
            "'%(value)s' is not a licence the consent text can state: one of %(licences)s"
        ).replace("%(licences)s", ", ".join(LICENCES))
        if campaign is not None:
            self.fields["slug"].disabled = True
            self.fields["slug"].help_text = editing.SLUG_FIXED

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())

    def clean_new_language_code(self):
        code = self.cleaned_data["new_language_code"].strip()
        if code and not self.may_add_language:
            raise forms.ValidationError(_("you may not create languages (it needs the collector.add_language right)"))
        return code

    def clean(self):
        data = super().clean()
        if self.campaign is None and not data.get("slug") and data.get("name") and "slug" not in self.errors:
            data["slug"] = slugify(data["name"])
            if not data["slug"]:
                self.add_error("slug", _("the name has no letters a slug can use: enter a slug"))
        return data

    def new_language(self) -> editing.NewLanguage | None:
        data = self.cleaned_data
        if not (data.get("new_language_code") or data.get("new_language_name") or data.get("new_language_accents")):
            return None
        return editing.NewLanguage(
            code=data.get("new_language_code", ""),
            name=data.get("new_language_name", ""),
            accents=editing.accents_normalize(data.get("new_language_accents", "").split(",")),
        )


class KeywordForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    text = forms.CharField(label=_("Keyword"), max_length=200, strip=False)
    is_filler = forms.BooleanField(label=_("Filler / confusable"), required=False)
    target = forms.IntegerField(label=_("Target clips"), required=False, min_value=1, max_value=10**7)

    def clean_text(self):
        text = editing.keyword_text_normalize(self.cleaned_data["text"])
        problem = editing.keyword_text_problem(text)
        if problem:
            raise forms.ValidationError(problem)
        return text


class GroupTargetForm(forms.Form):
    keyword = forms.CharField(label=_("Keyword"), max_length=200)
    field = forms.ChoiceField(label=_("Group of"), choices=[("", "—"), *((f, FIELD_LABELS[f]) for f in GROUP_FIELDS)])
    group = forms.CharField(label=_("Group"), max_length=64)
    clips = forms.IntegerField(label=_("Target clips"), min_value=1, max_value=10**7)


def keyword_formset(extra: int = 0):
    return forms.formset_factory(KeywordForm, can_delete=True, extra=extra)


def group_target_formset(extra: int = 0):
    return forms.formset_factory(GroupTargetForm, can_delete=True, extra=extra)


def _changed_forms(formset) -> list[forms.Form]:
    """The forms that say something (an empty extra row is no keyword); those marked for removal included."""
    return [form for form in formset.forms if form.has_changed() or form.initial]


def _spec(form: CampaignForm, keywords, group_targets) -> tuple[editing.CampaignSpec, list, list]:
    data = form.cleaned_data
    keyword_forms = [f for f in _changed_forms(keywords) if f.cleaned_data]
    group_forms = [f for f in _changed_forms(group_targets) if f.cleaned_data and not f.cleaned_data.get("DELETE")]
    spec = editing.CampaignSpec(
        name=data["name"],
        slug=form.campaign.slug if form.campaign else data["slug"],
        kind=data["kind"],
        licence=data["licence"],
        language=data.get("language"),
        new_language=form.new_language(),
        description=data.get("description", ""),
        active=data.get("active", False),
        target_clips_per_keyword=data["target_clips_per_keyword"],
        vote_cap=data["vote_cap"],
        accuracy_floor=data["accuracy_floor"],
        keywords=tuple(
            editing.KeywordSpec(
                text=f.cleaned_data.get("text", ""),
                is_filler=f.cleaned_data.get("is_filler", False),
                target=f.cleaned_data.get("target"),
                id=f.cleaned_data.get("id"),
                delete=f.cleaned_data.get("DELETE", False),
            )
            for f in keyword_forms
        ),
        group_targets=tuple(
            editing.GroupTargetSpec(
                keyword=f.cleaned_data["keyword"],
                field=f.cleaned_data["field"],
                group=f.cleaned_data["group"],
                clips=f.cleaned_data["clips"],
            )
            for f in group_forms
        ),
    )
    return spec, keyword_forms, group_forms


def _place_errors(exc: editing.CampaignInvalid, form, keywords, keyword_forms, group_targets, group_forms) -> None:
    """Each of the service's problems beside its field."""
    for key, messages in exc.errors.items():
        section, _, rest = key.partition(".")
        for message in messages:
            if section in ("keywords", "group_targets") and rest:
                index, _, field_name = rest.partition(".")
                row = (keyword_forms if section == "keywords" else group_forms)[int(index)]
                row.add_error("DELETE" if field_name == "delete" else field_name, message)
            elif section == "keywords":
                keywords._non_form_errors.append(message)
            elif section == "group_targets":
                group_targets._non_form_errors.append(message)
            elif key in form.fields:
                form.add_error(key, message)
            else:
                form.add_error(None, message)


def _initial(campaign: Campaign | None):
    if campaign is None:
        return {"kind": Campaign.Kind.COMMANDS, "licence": "CC-BY-4.0", "active": True}, [], [], {}
    keywords, groups = editing.campaign_edit_state(campaign=campaign)
    values = {
        "name": campaign.name,
        "slug": campaign.slug,
        "description": campaign.description,
        "language": campaign.language_id,
        "kind": campaign.kind,
        "licence": campaign.licence,
        "target_clips_per_keyword": campaign.target_clips_per_keyword,
        "vote_cap": campaign.vote_cap,
        "accuracy_floor": campaign.accuracy_floor,
        "active": campaign.active,
    }
    keyword_rows = [{"id": k.id, "text": k.text, "is_filler": k.is_filler, "target": k.target} for k in keywords]
    group_rows = [{"keyword": g.keyword, "field": g.field, "group": g.group, "clips": g.clips} for g in groups]
    return values, keyword_rows, group_rows, {k.id: k.clips for k in keywords}


def _preview_languages() -> list[tuple[str, str]]:
    return [(code, get_language_info(code)["name_local"]) for code in CONSENT_LANGUAGES]


def _preview_language(value: str, campaign: Campaign | None) -> str:
    """The consent language the preview is in: the one asked for, else the campaign's language where its consent
    is written in it, else the page's (the active language)."""
    if value in CONSENT_LANGUAGES:
        return value
    return consent_language(campaign.language.code if campaign else None)


def _preview_from(form: CampaignForm, campaign: Campaign | None, preview_language: str):
    """The consent text for the values in the form, valid or not (the page's script keeps it current as one types)."""
    get = form.data.get if form.is_bound else (lambda name, default="": form.initial.get(name, default))
    language_name = get("new_language_name", "") or ""
    language_id = get("language", "")
    if not language_name.strip():
        language = Language.objects.filter(pk=language_id).first() if str(language_id or "").isdigit() else None
        language_name = language.name if language else (campaign.language.name if campaign else "")
    return editing.consent_preview(
        name=" ".join((get("name", "") or "").split()),
        licence=get("licence", "") or "CC-BY-4.0",
        language_name=language_name.strip(),
        kind=get("kind", "") or Campaign.Kind.COMMANDS,
        consent_language=preview_language,
    )


@staff_member_required
def campaign_editor(request):
    """New campaign without ?campaign=, else that campaign's editor."""
    slug = request.GET.get("campaign", "")
    if slug and not slug_re.fullmatch(slug):  # no campaign has it (and PostgreSQL refuses a NUL in a query)
        raise Http404("no campaign has that slug")
    campaign = get_object_or_404(Campaign.objects.select_related("language"), slug=slug) if slug else None
    if not request.user.has_perm("collector.change_campaign" if campaign else "collector.add_campaign"):
        raise PermissionDenied
    may_add_language = request.user.has_perm("collector.add_language")
    values, keyword_rows, group_rows, clip_counts = _initial(campaign)
    extra_rows = KEYWORD_ROWS_EDIT if campaign else KEYWORD_ROWS_NEW
    form_args = {"campaign": campaign, "may_add_language": may_add_language}
    status = 200
    if request.method == "POST":
        form = CampaignForm(request.POST, initial=values, **form_args)
        keywords = keyword_formset()(request.POST, initial=keyword_rows, prefix="keywords")
        group_targets = group_target_formset()(request.POST, initial=group_rows, prefix="targets")
        if all([form.is_valid(), keywords.is_valid(), group_targets.is_valid()]):
            spec, keyword_forms, group_forms = _spec(form, keywords, group_targets)
            try:
                saved = editing.campaign_save(campaign=campaign, spec=spec)
            except editing.CampaignInvalid as exc:
                _place_errors(exc, form, keywords, keyword_forms, group_targets, group_forms)
            else:
                if not request.user.has_perm("collector.change_campaign"):  # made it, may not edit it: its page
                    return redirect("campaign", slug=saved.slug)
                return redirect(f"{reverse('campaign-editor')}?campaign={saved.slug}&saved=1")
        status = 400
    else:
        form = CampaignForm(initial=values, **form_args)
        keywords = keyword_formset(extra_rows)(initial=keyword_rows, prefix="keywords")
        group_targets = group_target_formset(GROUP_ROWS)(initial=group_rows, prefix="targets")
    for row in [*keywords.forms, keywords.empty_form]:
        row.clip_count = clip_counts.get(row.initial.get("id"))
        if campaign:  # prompts are typed and shown in the campaign's language and script
            row.fields["text"].widget.attrs["lang"] = campaign.language.code
    preview_language = _preview_language(request.POST.get("preview_language", ""), campaign)
    preview = _preview_from(form, campaign, preview_language)
    context = {
        "campaign": campaign,
        "form": form,
        "keywords": keywords,
        "group_targets": group_targets,
        "preview": preview,
        "preview_language": preview_language,
        "preview_languages": _preview_languages(),
        "saved": request.GET.get("saved") == "1" and request.method == "GET",
        "group_options": {
            "gender": [v for v, _label in Demographics.GENDERS if v not in ("prefer_not", "other")],
            "age_bracket": [v for v, _label in Demographics.AGE_BRACKETS if v != "prefer_not"],
            "accent": list(campaign.language.accents) if campaign else [],
        },
        "keyword_texts": [row["text"] for row in keyword_rows],
    }
    return render(request, "frontend/campaign_editor.html", context, status=status)


@staff_member_required
def campaign_consent_preview(request):
    """JSON {text, sha256, version}: the consent volunteers would accept for the name, licence, language and kind
    given (query parameters name, licence, language (an id) or new_language_name, kind), in preview_language."""
    if not (request.user.has_perm("collector.add_campaign") or request.user.has_perm("collector.change_campaign")):
        raise PermissionDenied
    language_name = request.GET.get("new_language_name", "").strip()
    language_id = request.GET.get("language", "")
    if not language_name and language_id.isdigit():
        language = Language.objects.filter(pk=int(language_id)).first()
        language_name = language.name if language else ""
    licence = request.GET.get("licence", "")
    document = editing.consent_preview(
        name=" ".join(request.GET.get("name", "").split()),
        licence=licence if licence in LICENCES else licence[:64],
        language_name=language_name,
        kind=request.GET.get("kind", Campaign.Kind.COMMANDS),
        consent_language=_preview_language(request.GET.get("preview_language", ""), None),
    )
    return JsonResponse(
        {"text": document.text, "sha256": document.sha256, "version": document.version, "language": document.language}
    )
