from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.text import slugify

from collector.importing import dataset_import, wake_phrase_normalized, wake_word_import_check
from collector.models import Campaign, Language
from collector.selectors import campaign_by_slug_or_name
from core.errors import ApplicationError
from core.progress import ProgressBar
from preparation.models import NegativeAudio
from preparation.negatives import negative_audio_add, negative_kind_from_name
from preparation.noise import background_noise_add


class Command(BaseCommand):
    # Here, not in collector/, because it also stores the folder's background noise (a preparation input).
    help = (
        "Import a folder in Speech Commands layout (<word>/<speaker>_nohash_<n>.wav, _background_noise_/). "
        "With --wake-word, the phrase's folder (hey_jarvis/) holds the positives, every other word folder "
        "confusable phrases, and _negative_/ long recordings that must not trigger. Safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument("--campaign", required=True, help="campaign slug or name; created if missing")
        parser.add_argument(
            "--validated", action="store_true", help="clips are valid at once and enter the preparation pipeline"
        )
        parser.add_argument("--license", default="CC-BY-4.0", help="licence of the imported clips (SPDX id)")
        parser.add_argument("--source", default=None, help="provenance label (default: the folder's name)")
        parser.add_argument("--language", default="en", help="language code for a new campaign")
        parser.add_argument(
            "--wake-word",
            default=None,
            metavar="PHRASE",
            help='import into a wake-word campaign listening for PHRASE (e.g. "hey jarvis"); created if missing',
        )

    def handle(
        self,
        directory: Path,
        campaign: str,
        validated: bool,
        license: str,
        source: str | None,
        language: str,
        wake_word: str | None = None,
        **options,
    ):
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a directory")
        target = self._campaign(directory, campaign, wake_word, language=language, licence=license)
        bar = {}
        report = dataset_import(
            root=directory,
            campaign=target,
            validated=validated,
            licence=license,
            source=source or directory.resolve().name,
            on_total=lambda total: bar.setdefault("bar", ProgressBar(total, "importing", stream=self.stderr._out)),
            progress=lambda n: bar["bar"].update(n),
            noise_add=lambda name, data: (
                background_noise_add(campaign=target, name=name, data=data, skip_existing=True) is not None
            ),
            wake_phrase=wake_word,
            negative_add=None if wake_word is None else lambda path: _negative_add(target, path),
        )
        if "bar" in bar:
            bar["bar"].close()
        self.stdout.write(
            f"imported {report.imported} clips ({'valid' if validated else 'for review'}), "
            f"{report.already_present} already present, "
            f"{report.noise_files} background-noise files, {len(report.bad)} bad files"
        )
        if wake_word is not None:
            confusables = target.keywords.filter(is_filler=True).count()
            self.stdout.write(
                f"wake phrase '{wake_phrase_normalized(wake_word)}': {confusables} confusable phrases, "
                f"{report.negative_files} negative recordings"
            )
        for path, reason in report.bad:
            self.stdout.write(f"  bad: {path}: {reason}")

    def _campaign(self, directory: Path, name: str, wake_word: str | None, *, language: str, licence: str) -> Campaign:
        """The campaign to import into, created if missing (a wake-word one with --wake-word); a clear refusal
        when the folder and the campaign do not fit together."""
        target = campaign_by_slug_or_name(name)
        if wake_word is not None:
            try:
                wake_word_import_check(root=directory, campaign=target, phrase=wake_word)
            except ApplicationError as exc:
                raise CommandError(exc.message) from None
        elif target is not None and target.kind == Campaign.Kind.WAKE_WORD:
            # every folder would become a phrase to detect: a wake-word campaign has one
            raise CommandError(
                f"campaign '{target.slug}' is a wake-word campaign: import with --wake-word "
                f'"{target.wake_phrase or "PHRASE"}"'
            )
        if target is not None:
            return target
        lang, _ = Language.objects.get_or_create(code=language, defaults={"name": language})
        kind = Campaign.Kind.COMMANDS if wake_word is None else Campaign.Kind.WAKE_WORD
        target = Campaign.objects.create(slug=slugify(name)[:50], name=name, language=lang, licence=licence, kind=kind)
        self.stdout.write(f"created {'' if wake_word is None else 'wake-word '}campaign '{target.slug}'")
        return target


def _negative_add(campaign: Campaign, path: Path) -> bool:
    with path.open("rb") as f:  # streamed from the open file: hours of audio never sit in memory
        added = negative_audio_add(
            campaign=campaign,
            name=path.name,
            fileobj=f,
            kind=negative_kind_from_name(path.name),
            source=NegativeAudio.Source.IMPORT,
            skip_existing=True,
        )
    return added is not None
