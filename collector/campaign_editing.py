"""Create and edit a campaign in one go, as the staff campaign editor submits it: its language (an existing one or a
new one), kind, keywords and fillers, targets per keyword and per keyword x group, licence and active flag.

Every rule is checked before anything is written, and each problem is reported under the field it is about
(`CampaignInvalid.errors`); the write itself is one transaction, so a campaign is saved whole or not at all.
Keyword text is stored normalized (`keyword_text_normalize`): what a volunteer is prompted with, and what an upload
names, is the same string however it was typed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, ProtectedError

from collector.consent import LICENCES, ConsentDocument, consent_document
from collector.models import (
    GROUP_FIELDS,
    RECORD_SECONDS,
    TAKE_SECONDS,
    Campaign,
    Keyword,
    KeywordTarget,
    Language,
    wake_word_phrases_error,
)
from core.errors import ApplicationError

KEYWORD_MAX_LENGTH = Keyword._meta.get_field("text").max_length
KEYWORD_PUNCTUATION = frozenset(" '’-.")  # besides letters, combining marks and digits: "o'clock", "t-shirt"
LANGUAGE_CODE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")  # a BCP 47 tag such as es, pt-BR, zh-Hant
SLUG_FIXED = "a campaign's slug stays as it was created: its links and stored clips are named by it"


def keyword_text_normalize(text: str) -> str:
    """Unicode NFC, surrounding whitespace stripped, inner whitespace collapsed to one space: an NFD-typed "café"
    and a composed one are the same keyword."""
    return unicodedata.normalize("NFC", " ".join(unicodedata.normalize("NFC", text).split()))


def keyword_text_problem(text: str) -> str | None:
    """Why a normalized keyword text cannot be a prompt, or None."""
    if not text:
        return "enter the word or phrase volunteers will say"
    if len(text) > KEYWORD_MAX_LENGTH:
        return f"a keyword is at most {KEYWORD_MAX_LENGTH} characters; this one has {len(text)}"
    odd = sorted({c for c in text if c not in KEYWORD_PUNCTUATION and unicodedata.category(c)[0] not in "LMN"})
    if odd:
        shown = " ".join(f"'{c}'" if c.isprintable() else f"U+{ord(c):04X}" for c in odd)
        return (
            f"{shown} cannot be part of a keyword: each row holds one word or phrase (letters, digits, spaces, "
            "apostrophes, hyphens), so put each keyword on its own row"
        )
    if not any(unicodedata.category(c)[0] == "L" for c in text):
        return "a keyword needs at least one letter"
    return None


def accents_normalize(accents) -> tuple[str, ...]:
    """Accent labels: each normalized like a keyword, empty ones dropped, each once (first spelling kept)."""
    seen, kept = set(), []
    for accent in accents:
        label = keyword_text_normalize(accent)
        if label and label.casefold() not in seen:
            seen.add(label.casefold())
            kept.append(label)
    return tuple(kept)


@dataclass(frozen=True)
class NewLanguage:
    code: str
    name: str
    accents: tuple[str, ...] = ()


@dataclass(frozen=True)
class KeywordSpec:
    text: str
    is_filler: bool = False
    target: int | None = None  # usable recorded clips wanted; None: the campaign's target_clips_per_keyword
    id: int | None = None  # an existing keyword of this campaign
    delete: bool = False


@dataclass(frozen=True)
class GroupTargetSpec:
    keyword: str  # a keyword's text, as in the keyword list (it may be new in the same save)
    field: str  # accent, gender or age_bracket
    group: str
    clips: int


@dataclass(frozen=True)
class CampaignSpec:
    """A campaign as it should be after the save. `keywords` is the whole list: an existing keyword left out of it
    is removed, like one marked `delete`."""

    name: str
    slug: str
    kind: str
    licence: str
    language: Language | None = None  # an existing language, or
    new_language: NewLanguage | None = None  # one to create
    description: str = ""
    active: bool = True
    target_clips_per_keyword: int = 1000
    vote_cap: int = 4
    accuracy_floor: float = 0.75
    keywords: tuple[KeywordSpec, ...] = ()
    group_targets: tuple[GroupTargetSpec, ...] = ()


class CampaignInvalid(ApplicationError):
    """Nothing was saved. `errors` maps where each problem is to its messages: a campaign field ("name", "slug",
    "new_language_code", ...), "keywords" for the list as a whole, "keywords.<i>.<field>" for the i-th KeywordSpec,
    "group_targets.<i>.<field>" for the i-th GroupTargetSpec."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__(
            "; ".join(f"{key}: {message}" for key, messages in errors.items() for message in messages),
            code="campaign_invalid",
        )


@dataclass
class _Errors:
    errors: dict[str, list[str]] = field(default_factory=dict)

    def add(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)

    def raise_any(self) -> None:
        if self.errors:
            raise CampaignInvalid(self.errors)


def licence_choices(current: str | None = None) -> list[tuple[str, str]]:
    """The licences the consent text can state by name; an existing campaign's own licence stays offered."""
    choices = [(spdx, f"{name} ({spdx})") for spdx, (name, _) in LICENCES.items()]
    if current and current not in LICENCES:
        choices.append((current, current))
    return choices


def kind_take_seconds() -> dict[str, tuple[float, float]]:
    """Per kind: (seconds the browser records, seconds a take is cleaned to), as the model derives them."""
    return {kind: (RECORD_SECONDS[kind], TAKE_SECONDS[kind]) for kind in Campaign.Kind.values}


def consent_preview(
    *, name: str, licence: str, language_name: str, kind: str, consent_language: str | None = None
) -> ConsentDocument:
    """The exact consent text (and its sha256) volunteers reading `consent_language` (by default the active
    language) would accept for a campaign with these values; each consent language's document has its own hash."""
    if kind not in Campaign.Kind.values:
        kind = Campaign.Kind.COMMANDS
    campaign = Campaign(name=name, licence=licence, kind=kind, language=Language(name=language_name))
    return consent_document(campaign, consent_language)


def _clips(n: int) -> str:
    return f"{n} recorded clip" if n == 1 else f"{n} recorded clips"


def _validate(campaign: Campaign | None, spec: CampaignSpec, errors: _Errors) -> dict:
    """Every rule that needs no write; returns what the write needs (normalized texts, keywords by id)."""
    clips_by_keyword = {}
    existing = {}
    has_clips = False
    if campaign is not None:
        existing = {k.id: k for k in campaign.keywords.annotate(clip_count=Count("clips"))}
        clips_by_keyword = {k.id: k.clip_count for k in existing.values()}
        has_clips = any(clips_by_keyword.values())

    if not spec.name.strip():
        errors.add("name", "enter the campaign's name: volunteers see it on the consent form")
    if campaign is None:
        if not spec.slug:
            errors.add("slug", "enter a slug (letters, digits, - and _): the campaign's links are /c/<slug>/")
        else:
            taken = Campaign.objects.filter(slug=spec.slug).first()
            if taken is not None:
                errors.add("slug", f"the slug '{spec.slug}' is taken by the campaign '{taken.name}': choose another")
    elif spec.slug != campaign.slug:
        errors.add("slug", SLUG_FIXED)

    if spec.kind not in Campaign.Kind.values:
        errors.add("kind", f"'{spec.kind}' is not a kind of campaign: one of {', '.join(Campaign.Kind.values)}")
    elif campaign is not None and spec.kind != campaign.kind and has_clips:
        errors.add(
            "kind",
            f"this campaign already has recorded clips of {RECORD_SECONDS[campaign.kind]:g} s: its kind stays "
            f"{campaign.get_kind_display()}; start a new campaign for the other kind",
        )

    allowed_licences = dict(licence_choices(campaign.licence if campaign else None))
    if spec.licence not in allowed_licences:
        errors.add(
            "licence",
            f"'{spec.licence}' is not a licence the consent text can state: one of {', '.join(allowed_licences)}",
        )

    language_name = ""
    if spec.new_language is not None:
        new = spec.new_language
        if spec.language is not None:
            errors.add("new_language_code", "leave the new language empty to use the language chosen above")
        if not new.code:
            errors.add("new_language_code", "enter the new language's code (a BCP 47 tag such as es, sw or pt-BR)")
        elif not LANGUAGE_CODE.match(new.code):
            errors.add("new_language_code", f"'{new.code}' is not a language tag such as es, sw or pt-BR")
        else:
            same = Language.objects.filter(code__iexact=new.code).first()
            if same is not None:
                errors.add("new_language_code", f"{same} exists already: choose it in the list above")
        if not new.name.strip():
            errors.add("new_language_name", "enter the language's name, e.g. Español")
        language_name = new.name.strip()
        accents = new.accents
    elif spec.language is None:
        errors.add("language", "choose the campaign's language, or create one below")
        accents = ()
    else:
        language_name = spec.language.name
        accents = tuple(spec.language.accents or ())
    if campaign is not None and has_clips and (spec.new_language is not None or spec.language != campaign.language):
        errors.add(
            "language",
            f"this campaign already has clips recorded in {campaign.language.name}: its language stays; start a new "
            "campaign for another language",
        )

    # keywords
    texts: dict[int, str] = {}
    seen: dict[str, int] = {}
    phrases: list[int] = []
    mentioned = set()
    for i, keyword in enumerate(spec.keywords):
        if keyword.id is not None:
            if keyword.id not in existing:
                errors.add(f"keywords.{i}.text", "this row names a keyword of another campaign; reload the page")
                continue
            mentioned.add(keyword.id)
        if keyword.delete:
            if keyword.id is not None and clips_by_keyword.get(keyword.id):
                errors.add(
                    f"keywords.{i}.delete",
                    f"'{existing[keyword.id].text}' has {_clips(clips_by_keyword[keyword.id])}: it stays "
                    "(mark it as a filler if it should no longer be a word to recognise)",
                )
            continue
        text = keyword_text_normalize(keyword.text)
        problem = keyword_text_problem(text)
        if problem:
            errors.add(f"keywords.{i}.text", problem)
            continue
        before = existing.get(keyword.id)
        if before is not None and before.text != text and clips_by_keyword.get(before.id):
            errors.add(
                f"keywords.{i}.text",
                f"'{before.text}' has {_clips(clips_by_keyword[before.id])}, which say it: it cannot be "
                "renamed; add the new word as another keyword",
            )
            continue
        if text.casefold() in seen:
            first = spec.keywords[seen[text.casefold()]]
            errors.add(
                f"keywords.{i}.text",
                f"'{text}' is on the list twice (row {seen[text.casefold()] + 1}: "
                f"'{keyword_text_normalize(first.text)}'): each keyword once",
            )
            continue
        seen[text.casefold()] = i
        texts[i] = text
        if keyword.target is not None and keyword.target < 1:
            errors.add(f"keywords.{i}.target", "a target is at least 1 clip; leave it empty for the campaign's")
        if not keyword.is_filler:
            phrases.append(i)
    for keyword_id in existing.keys() - mentioned:
        if clips_by_keyword[keyword_id]:
            errors.add("keywords", f"'{existing[keyword_id].text}' has recorded clips: it stays on the list")
    if spec.kind == Campaign.Kind.WAKE_WORD and len(phrases) > 1:
        message = wake_word_phrases_error([texts[i] for i in phrases])
        for i in phrases[1:]:
            errors.add(f"keywords.{i}.is_filler", message)
    elif not phrases and not any(key.startswith("keywords.") for key in errors.errors):
        errors.add(
            "keywords",
            "a wake-word campaign needs its wake phrase: one keyword that is not a filler"
            if spec.kind == Campaign.Kind.WAKE_WORD
            else "add at least one keyword that is not a filler: fillers alone give a model nothing to recognise",
        )

    # group targets
    by_text = {text.casefold(): i for i, text in texts.items()}
    cells = set()
    for i, target in enumerate(spec.group_targets):
        at = f"group_targets.{i}"
        row = by_text.get(keyword_text_normalize(target.keyword).casefold())
        if row is None:
            errors.add(f"{at}.keyword", f"'{target.keyword}' is not one of the keywords above")
        if target.field not in GROUP_FIELDS:
            errors.add(f"{at}.field", f"'{target.field}' is not a group field: one of {', '.join(GROUP_FIELDS)}")
            continue
        group = keyword_text_normalize(target.group)
        try:
            KeywordTarget(field=target.field, group=group, clips=target.clips).clean()
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                for message in messages:
                    errors.add(f"{at}.{key if key in ('field', 'group') else 'group'}", message)
            continue
        if target.field == "accent" and group not in accents:
            listed = ", ".join(accents) if accents else "none yet: add them to the language"
            errors.add(f"{at}.group", f"'{group}' is not an accent of {language_name or 'the language'}: {listed}")
            continue
        if target.clips < 1:
            errors.add(f"{at}.clips", "a target is at least 1 clip; remove the row for the default share")
        if row is not None:
            cell = (row, target.field, group)
            if cell in cells:
                errors.add(f"{at}.group", f"'{texts[row]}' x {target.field} '{group}' has a target on a row above")
            cells.add(cell)
    return {"texts": texts, "existing": existing}


def campaign_save(*, campaign: Campaign | None, spec: CampaignSpec) -> Campaign:
    """Create a campaign (campaign=None) or edit one, with its language, keywords and targets: all or nothing.

    Raises CampaignInvalid, with every problem found under its field, and writes nothing then.
    """
    errors = _Errors()
    checked = _validate(campaign, spec, errors)
    errors.raise_any()
    try:
        with transaction.atomic():
            return _write(campaign, spec, checked["texts"], checked["existing"])
    except IntegrityError as exc:  # a campaign, language or keyword saved at the same moment by someone else
        errors = _Errors()
        _validate(campaign, spec, errors)  # names the field, where a check sees the other save now
        errors.raise_any()
        raise CampaignInvalid(
            {"__all__": [f"a conflicting change was saved at the same time ({exc}); try again"]}
        ) from None


def _write(campaign: Campaign | None, spec: CampaignSpec, texts: dict[int, str], existing: dict) -> Campaign:
    if spec.new_language is not None:
        language = Language.objects.create(
            code=spec.new_language.code,
            name=spec.new_language.name.strip(),
            accents=list(accents_normalize(spec.new_language.accents)),
        )
    else:
        language = spec.language
    values = {
        "name": spec.name.strip(),
        "description": spec.description.strip(),
        "kind": spec.kind,
        "language": language,
        "licence": spec.licence,
        "active": spec.active,
        "target_clips_per_keyword": spec.target_clips_per_keyword,
        "vote_cap": spec.vote_cap,
        "accuracy_floor": spec.accuracy_floor,
    }
    if campaign is None:
        campaign = Campaign(slug=spec.slug, **values)
        _full_clean(campaign, exclude=["slug"])
        campaign.save()
    else:
        for name, value in values.items():
            setattr(campaign, name, value)
        _full_clean(campaign, exclude=["slug"])
        campaign.save(update_fields=[*values])

    # Removed keywords go first, and renamed ones pass through a name no keyword has, so swapping two keywords'
    # texts never meets the one-text-per-campaign constraint half way.
    kept = {k.id for k in spec.keywords if k.id is not None and not k.delete}
    rows = {k.id: i for i, k in enumerate(spec.keywords) if k.id is not None}
    for keyword_id in existing.keys() - kept:
        try:
            existing[keyword_id].delete()
        except ProtectedError:
            at = f"keywords.{rows[keyword_id]}.delete" if keyword_id in rows else "keywords"
            raise CampaignInvalid({at: [f"other records use '{existing[keyword_id].text}': it stays"]}) from None
    renamed = [
        existing[k.id] for i, k in enumerate(spec.keywords) if i in texts and k.id and existing[k.id].text != texts[i]
    ]
    for keyword in renamed:
        keyword.text = f"\u0000{keyword.id}"
        keyword.save(update_fields=["text"])
    keyword_ids: dict[int, int] = {}
    for i, text in texts.items():
        keyword_spec = spec.keywords[i]
        if keyword_spec.id is None:
            keyword = Keyword.objects.create(
                campaign=campaign, text=text, language=language, is_filler=keyword_spec.is_filler
            )
        else:
            keyword = existing[keyword_spec.id]
            keyword.text, keyword.is_filler, keyword.language = text, keyword_spec.is_filler, language
            keyword.save(update_fields=["text", "is_filler", "language"])
        keyword_ids[i] = keyword.id

    wanted = {(keyword_ids[i], "", ""): spec.keywords[i].target for i in texts if spec.keywords[i].target}
    by_text = {text.casefold(): i for i, text in texts.items()}
    for target in spec.group_targets:
        row = by_text[keyword_text_normalize(target.keyword).casefold()]
        wanted[(keyword_ids[row], target.field, keyword_text_normalize(target.group))] = target.clips
    for row in KeywordTarget.objects.filter(campaign=campaign):
        clips = wanted.pop((row.keyword_id, row.field, row.group), None)
        if clips is None:
            row.delete()
        elif clips != row.clips:
            row.clips = clips
            row.save(update_fields=["clips"])
    KeywordTarget.objects.bulk_create(
        KeywordTarget(campaign=campaign, keyword_id=keyword_id, field=field_name, group=group, clips=clips)
        for (keyword_id, field_name, group), clips in wanted.items()
    )
    _full_clean(campaign, exclude=["slug"])  # the model's own rules over the rows as saved (one wake phrase)
    return campaign


def _full_clean(campaign: Campaign, *, exclude: list[str]) -> None:
    try:
        campaign.full_clean(exclude=exclude, validate_unique=False)
    except ValidationError as exc:
        raise CampaignInvalid({key: list(messages) for key, messages in exc.message_dict.items()}) from None


@dataclass(frozen=True)
class KeywordRow:
    id: int
    text: str
    is_filler: bool
    target: int | None
    clips: int


def campaign_edit_state(*, campaign: Campaign) -> tuple[list[KeywordRow], list[GroupTargetSpec]]:
    """A campaign's keywords (with their recorded clip counts and own targets) and group targets, as the editor
    shows them: three queries."""
    targets = list(KeywordTarget.objects.filter(campaign=campaign).select_related("keyword").order_by("id"))
    totals = {t.keyword_id: t.clips for t in targets if not t.field}
    keywords = [
        KeywordRow(id=k.id, text=k.text, is_filler=k.is_filler, target=totals.get(k.id), clips=k.clip_count)
        for k in campaign.keywords.annotate(clip_count=Count("clips")).order_by("is_filler", "id")
    ]
    groups = [
        GroupTargetSpec(keyword=t.keyword.text, field=t.field, group=t.group, clips=t.clips) for t in targets if t.field
    ]
    return keywords, groups
