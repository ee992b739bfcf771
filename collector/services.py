"""Every write the collector makes goes through these functions."""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
import uuid
import zipfile

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from collector.campaign_editing import keyword_text_normalize
from collector.consent import consent_documents
from collector.models import (
    PREFER_NOT,
    Campaign,
    Clip,
    Consent,
    Contributor,
    Demographics,
    Keyword,
    Language,
    TargetBoost,
    Tombstone,
)
from collector.selectors import clips_of_contributor, consent_current
from collector.signals import clips_erased
from collector.targets import MAX_BOOST
from core.errors import ApplicationError, Conflict, ConsentRequired, NotFound
from core.pseudonyms import new_token, speaker_hash, token_sha256
from core.storage_paths import clip_name, derived_prefix
from core.task_queue import task_enqueue
from kws import audio as kws_audio
from kws import quality

logger = logging.getLogger(__name__)
STORAGE_DELETE_TASK = "collector.storage_delete"


def contributor_create() -> tuple[Contributor, str]:
    """A new anonymous contributor and the secret token that identifies them (never stored)."""
    token = new_token()
    return Contributor.objects.create(token_sha256=token_sha256(token)), token


@transaction.atomic
def consent_give(
    *, contributor: Contributor | None, campaign: Campaign, text_sha256: str, is_adult: bool, licence_accepted: bool
) -> tuple[Consent, str | None]:
    """Record informed consent. A first-time volunteer becomes a contributor only here, once they agree.

    Returns the consent and, for a new contributor, the secret token for their cookie.
    """
    # the document they read, in whichever language it was shown
    document = next((d for d in consent_documents(campaign) if d.sha256 == text_sha256), None)
    if document is None:
        raise Conflict(
            gettext(
                "the consent text has changed since you opened the page; "
                "please read the current version and accept it again"
            ),
            code="consent_changed",
        )
    if not is_adult:
        raise ApplicationError(gettext("you must confirm that you are 18 or older to take part"), code="not_adult")
    if not licence_accepted:
        raise ApplicationError(
            gettext("you must accept the %(licence)s licence to contribute recordings") % {"licence": campaign.licence},
            code="licence_not_accepted",
        )
    token = None
    if contributor is None:
        contributor, token = contributor_create()
    consent = Consent.objects.create(
        contributor=contributor,
        campaign=campaign,
        version=document.version,
        text_sha256=document.sha256,
        is_adult=True,
        licence=campaign.licence,
    )
    return consent, token


def _validate_choice(field: str, value: str, allowed: set[str]) -> None:
    if value not in allowed:
        raise ApplicationError(
            gettext("%(field)s: %(value)s is not one of %(allowed)s")
            % {"field": field, "value": repr(value), "allowed": ", ".join(sorted(allowed))},
            code="invalid_demographics",
        )


def demographics_update(*, contributor: Contributor, **fields: str) -> Demographics:
    """Create or edit a contributor's optional demographics; unknown values are refused, not stored.

    Accents are chosen from the lists of the languages the contributor has consented to record.
    """
    accents = Language.objects.filter(campaigns__consents__contributor=contributor).values_list("accents", flat=True)
    allowed = {
        "age_bracket": {c for c, _ in Demographics.AGE_BRACKETS},
        "gender": {c for c, _ in Demographics.GENDERS},
        "accent": {PREFER_NOT, "other", *(a for language_accents in accents for a in language_accents)},
    }
    for field, value in fields.items():
        if field in allowed:
            _validate_choice(field, value, allowed[field])
        elif field == "native_language":
            if value != PREFER_NOT and not (2 <= len(value) <= 16 and value.replace("-", "").isalnum()):
                raise ApplicationError(
                    gettext("native_language: %(value)s is not a language tag such as 'en' or 'pt-BR'")
                    % {"value": repr(value)},
                    code="invalid_demographics",
                )
        else:
            raise ApplicationError(
                gettext("%(field)s is not a demographic field") % {"field": field}, code="invalid_demographics"
            )
    demographics, _ = Demographics.objects.update_or_create(contributor=contributor, defaults=fields)
    return demographics


def clip_create(
    *, contributor: Contributor | None, campaign: Campaign, keyword_text: str, audio: bytes, max_bytes: int
) -> Clip:
    """Validate an upload, store canonical audio, and create its row: both or neither."""
    consent = consent_current(contributor=contributor, campaign=campaign)
    if consent is None:
        raise ConsentRequired(
            gettext(
                "you have not accepted the current consent form for '%(campaign)s'; "
                "accept it at /c/%(slug)s/consent/ before recording"
            )
            % {"campaign": campaign.name, "slug": campaign.slug}
        )
    keyword_text = keyword_text_normalize(keyword_text)  # keywords are stored NFC: an NFD upload names the same one
    keyword = Keyword.objects.filter(campaign=campaign, text=keyword_text).first()
    if keyword is None:
        raise ApplicationError(
            gettext("unknown keyword %(keyword)s: it is not part of campaign '%(campaign)s'")
            % {"keyword": repr(keyword_text), "campaign": campaign.name},
            code="unknown_keyword",
        )
    try:
        decoded = kws_audio.decode_upload(audio, max_bytes=max_bytes)
    except kws_audio.AudioRejected as exc:
        raise ApplicationError(str(exc), code=exc.code) from None
    digest = hashlib.sha256(decoded.wav_bytes).hexdigest()
    if Clip.objects.filter(contributor=contributor, sha256=digest).exists():
        raise Conflict(gettext("you already uploaded this exact recording"), code="duplicate")
    metrics = quality.measure(decoded.samples, kws_audio.TARGET_SAMPLE_RATE)
    prescreen = _prescreen(metrics)
    clip_id = uuid.uuid4()
    stored_name = default_storage.save(clip_name(campaign.slug, clip_id), ContentFile(decoded.wav_bytes))
    try:
        with transaction.atomic():
            return Clip.objects.create(
                id=clip_id,
                campaign=campaign,
                keyword=keyword,
                contributor=contributor,
                consent=consent,
                consent_version=consent.version,
                licence=consent.licence,
                audio=stored_name,
                sha256=digest,
                duration_s=round(decoded.duration_s, 4),
                sample_rate=kws_audio.TARGET_SAMPLE_RATE,
                num_samples=len(decoded.samples),
                original_sample_rate=decoded.original_sample_rate,
                original_channels=decoded.original_channels,
                original_format=decoded.original_format,
                **metrics.as_dict(),
                **prescreen,
            )
    except IntegrityError:
        default_storage.delete(stored_name)
        raise Conflict(gettext("you already uploaded this exact recording"), code="duplicate") from None
    except BaseException:
        default_storage.delete(stored_name)
        raise


MIN_VOICED_S = 0.2


def _prescreen(metrics: quality.QualityMetrics) -> dict:
    """Clips no reviewer should have to hear are invalid at once, with reason 'automatic'."""
    if metrics.too_quiet or metrics.voiced_duration_s < MIN_VOICED_S:
        return {"status": Clip.Status.INVALID, "status_reason": "automatic", "decided_at": timezone.now()}
    return {}


def storage_delete_after_commit(names: list[str]) -> None:
    """Delete these stored files once the transaction commits (later stages use it for what they derived)."""

    def delete() -> None:
        for name in names:
            try:
                default_storage.delete(name)
            except Exception:  # remote storage hiccup: a worker retries until it is gone
                logger.exception("deleting %s failed; handing it to the worker", name)
                task_enqueue(STORAGE_DELETE_TASK, args=[name])

    transaction.on_commit(delete)


def derived_files(clip_id) -> list[str]:
    """The stored names of every file later stages derived from this clip."""
    prefix = derived_prefix(clip_id)
    try:
        _, files = default_storage.listdir(prefix)
    except FileNotFoundError:
        return []
    return [prefix + f for f in files]


def _clip_erase(clip: Clip, speaker: str) -> Tombstone:
    tombstone = Tombstone.objects.create(speaker_hash=speaker, clip_sha256=clip.sha256, campaign_id=clip.campaign_id)
    clip_id, audio = clip.id, clip.audio.name
    clip.delete()
    # Listed with the clip row locked and deleted: a preparation worker stores derived files only while it
    # holds that row's lock (preparation.services), so whatever it wrote is committed and in the listing.
    storage_delete_after_commit([audio, *derived_files(clip_id)])
    return tombstone


@transaction.atomic
def clip_delete(*, contributor: Contributor, clip_id) -> Tombstone:
    """Erase one clip for good: audio gone from storage, a tombstone left for later releases."""
    clip = Clip.objects.select_for_update().filter(id=clip_id, contributor=contributor).first()
    if clip is None:
        raise NotFound(gettext("no such clip among your recordings"))
    erased = [(clip.campaign_id, clip.id)]  # read before delete() clears the id
    tombstone = _clip_erase(clip, speaker_hash(contributor.id))
    _announce_erased(erased)
    return tombstone


@transaction.atomic
def contributor_erase(*, contributor: Contributor) -> int:
    """Right to erasure: every clip (tombstoned), demographics, consents and the contributor row."""
    speaker = speaker_hash(contributor.id)
    clips = list(Clip.objects.select_for_update().filter(contributor=contributor))
    erased = [(clip.campaign_id, clip.id) for clip in clips]  # read before delete() clears the ids
    for clip in clips:
        _clip_erase(clip, speaker)
    _announce_erased(erased)
    # Votes and reports they cast on others' clips stay (without a voter, see labeling.Vote) so decisions
    # stay explainable; the free-text note goes, it may say who wrote it.
    contributor.votes.exclude(note="").update(note="")
    # Negative audio they donated from a model's try page (preparation.NegativeAudio, read through its reverse
    # relation as votes are) goes with them; its audio once the erasure commits.
    donated = contributor.donated_negatives.all()
    storage_delete_after_commit([name for name in donated.values_list("audio", flat=True) if name])
    donated.delete()
    contributor.delete()
    return len(clips)


def _announce_erased(erased: list[tuple[int, uuid.UUID]]) -> None:
    """Releases and models that hold these clips get marked, in the same transaction as the erasure."""
    by_campaign: dict[int, list] = {}
    for campaign_id, clip_id in erased:
        by_campaign.setdefault(campaign_id, []).append(clip_id)
    for campaign_id, clip_ids in by_campaign.items():
        clips_erased.send(sender=Clip, campaign_id=campaign_id, clip_ids=clip_ids)


def contributor_export(*, contributor: Contributor) -> tempfile.SpooledTemporaryFile:
    """A zip of everything held about the contributor: data.json (consents, demographics, clips, the votes and
    reports they cast, their reviewer record, the negative audio they donated) plus every clip's audio and each
    donated recording."""
    clips = list(clips_of_contributor(contributor=contributor))
    donated = list(contributor.donated_negatives.select_related("campaign").order_by("id"))  # preparation's rows
    demographics = Demographics.objects.filter(contributor=contributor).first()
    data = {
        "exported_at": timezone.now().isoformat(),
        "contributor": {"id": str(contributor.id), "created_at": contributor.created_at.isoformat()},
        "demographics": None
        if demographics is None
        else {f: getattr(demographics, f) for f in ("age_bracket", "gender", "accent", "native_language")},
        "consents": [
            {
                "campaign": c.campaign.slug,
                "version": c.version,
                "text_sha256": c.text_sha256,
                "is_adult": c.is_adult,
                "licence": c.licence,
                "accepted_at": c.accepted_at.isoformat(),
            }
            for c in contributor.consents.select_related("campaign")
        ],
        "reviewer": _reviewer_export(contributor),
        "votes": _votes_export(contributor),
        "clips": [
            {
                "id": str(clip.id),
                "campaign": clip.campaign.slug,
                "keyword": clip.keyword.text,
                "status": clip.status,
                "created_at": clip.created_at.isoformat(),
                "duration_s": clip.duration_s,
                "sha256": clip.sha256,
                "audio": f"audio/{clip.id}.wav",
            }
            for clip in clips
        ],
        "donated_negative_audio": [
            {
                "campaign": n.campaign.slug,
                "name": n.name,
                "kind": n.kind,
                "duration_s": n.duration_s,
                "donated_at": n.uploaded_at.isoformat(),
                "audio": f"negatives/{n.name}",
            }
            for n in donated
        ],
    }
    archive = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("data.json", json.dumps(data, indent=2))
        for clip in clips:
            with clip.audio.open("rb") as f:
                zf.writestr(f"audio/{clip.id}.wav", f.read())
        for n in donated:
            with n.audio.open("rb") as f:
                zf.writestr(f"negatives/{n.name}", f.read())
    archive.seek(0)
    return archive


# Labeling stands after the collector and cannot be imported here: its rows about a contributor are read
# through their reverse relations (labeling.Vote.voter -> "votes", labeling.ReviewerStats -> "reviewer_stats").


def _votes_export(contributor: Contributor) -> list[dict]:
    """Every vote, skip and report they cast as a reviewer (reports are votes of kind "report")."""
    return [
        {
            "clip": str(clip_id),
            "campaign": campaign,
            "keyword": keyword,
            "kind": kind,
            "reason": reason,
            "note": note,
            "weight": weight,
            "created_at": created_at.isoformat(),
        }
        for clip_id, campaign, keyword, kind, reason, note, weight, created_at in contributor.votes.order_by(
            "created_at", "id"
        ).values_list(
            "clip_id", "clip__campaign__slug", "clip__keyword__text", "kind", "reason", "note", "weight", "created_at"
        )
    ]


def _reviewer_export(contributor: Contributor) -> dict | None:
    stats = getattr(contributor, "reviewer_stats", None)  # the missing row raises an AttributeError subclass
    if stats is None:
        return None
    values = {f.name: getattr(stats, f.name) for f in stats._meta.concrete_fields if f.name not in ("id", "reviewer")}
    return {name: v.isoformat() if hasattr(v, "isoformat") else v for name, v in values.items()}


def target_boosts_replace(*, campaign: Campaign, boosts: list[dict], source: str) -> list[TargetBoost]:
    """Replace the campaign's weak-cell boosts with those of its latest evaluation (training calls this after a job
    succeeds). Each boost names a keyword (by text) or a demographic field and group, with the cell's false-reject
    rate, the baseline it was compared with and the factor its targets are multiplied by. Unknown keywords are
    skipped; factors are kept within 1..MAX_BOOST."""
    keyword_ids = dict(Keyword.objects.filter(campaign=campaign).values_list("text", "id"))
    rows = []
    for boost in boosts:
        keyword_id = keyword_ids.get(boost.get("keyword", ""))
        if boost.get("keyword") and keyword_id is None:
            continue
        rows.append(
            TargetBoost(
                campaign=campaign,
                keyword_id=keyword_id,
                field=boost.get("field", ""),
                group=boost.get("group", ""),
                factor=min(MAX_BOOST, max(1.0, float(boost["factor"]))),
                false_reject_rate=float(boost["false_reject_rate"]),
                baseline_rate=float(boost["baseline_rate"]),
                source=source,
            )
        )
    with transaction.atomic():
        TargetBoost.objects.filter(campaign=campaign).delete()
        return TargetBoost.objects.bulk_create(rows)
