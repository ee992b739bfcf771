from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from collector.importing import dataset_import
from collector.models import Campaign, Language
from collector.selectors import campaign_by_slug_or_name
from core.progress import ProgressBar
from preparation.noise import background_noise_add


class Command(BaseCommand):
    # Here, not in collector/, because it also stores the folder's background noise (a preparation input).
    help = (
        "Import a folder in Speech Commands layout (<word>/<speaker>_nohash_<n>.wav, _background_noise_/). "
        "Safe to run twice."
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

    def handle(
        self,
        directory: Path,
        campaign: str,
        validated: bool,
        license: str,
        source: str | None,
        language: str,
        **options,
    ):
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a directory")
        target = campaign_by_slug_or_name(campaign)
        if target is None:
            lang, _ = Language.objects.get_or_create(code=language, defaults={"name": language})
            from django.utils.text import slugify

            target = Campaign.objects.create(slug=slugify(campaign)[:50], name=campaign, language=lang, licence=license)
            self.stdout.write(f"created campaign '{target.slug}'")
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
        )
        if "bar" in bar:
            bar["bar"].close()
        self.stdout.write(
            f"imported {report.imported} clips ({'valid' if validated else 'for review'}), "
            f"{report.already_present} already present, "
            f"{report.noise_files} background-noise files, {len(report.bad)} bad files"
        )
        for path, reason in report.bad:
            self.stdout.write(f"  bad: {path}: {reason}")
