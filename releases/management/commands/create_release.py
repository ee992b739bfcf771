import json

from django.core.management.base import BaseCommand, CommandError

from collector.selectors import campaign_by_slug_or_name
from core.errors import ApplicationError
from core.progress import ProgressBar, follow
from releases.models import Release
from releases.services import release_create

FINISHED = {Release.State.SUCCEEDED, Release.State.FAILED}


class Command(BaseCommand):
    help = "Freeze a dataset release of a campaign; a worker builds the archive. With --wait, follow its progress."

    def add_arguments(self, parser):
        parser.add_argument("--campaign", required=True, help="campaign slug or name")
        parser.add_argument(
            "--name", required=True, help="release name, e.g. v1 (releases never change: a new name each time)"
        )
        parser.add_argument(
            "--license", "--licence", dest="licence", default="", help="SPDX id (default: the campaign's licence)"
        )
        parser.add_argument("--wait", action="store_true", help="show progress until the archive is built")

    def handle(self, campaign, name, licence, wait, **options):
        target = campaign_by_slug_or_name(campaign)
        if target is None:
            raise CommandError(f"no campaign {campaign!r}")
        try:
            release = release_create(campaign=target, name=name, licence=licence)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        release.refresh_from_db()
        self.stdout.write(f"release {release.id}: {target.slug} {release.name}, {release.progress_total} files frozen")
        if not wait:
            return
        follow(
            release,
            done_field="progress_done",
            finished=FINISHED,
            bar=ProgressBar(release.progress_total, "packaging", stream=self.stderr._out),
        )
        if release.state == Release.State.FAILED:
            raise CommandError(release.error)
        self.stdout.write(
            f"release {release.id} {release.state}: {release.archive.name} "
            f"({release.archive_bytes} bytes, sha256 {release.archive_sha256})"
        )
        self.stdout.write(json.dumps(release.summary, indent=2))
