import json

from django.core.management.base import BaseCommand, CommandError

from collector.selectors import campaign_by_slug_or_name
from core.errors import ApplicationError
from core.progress import ProgressBar, follow
from kws import architectures
from kws import train as kws_train
from training.jobs import job_launch
from training.models import TrainingJob

FINISHED = {
    TrainingJob.State.SUCCEEDED,
    TrainingJob.State.FAILED_QUALITY,
    TrainingJob.State.FAILED,
    TrainingJob.State.CANCELLED,
}


class Command(BaseCommand):
    help = (
        "Launch a training job on the `training` queue; with --wait, follow its progress and print the final metrics."
    )

    def add_arguments(self, parser):
        parser.add_argument("--campaign", required=True, help="campaign slug or name")
        parser.add_argument(
            "--keywords",
            default="",
            help="comma-separated target keywords, e.g. yes,no,up (a wake-word campaign trains its phrase)",
        )
        parser.add_argument(
            "--arch", default=architectures.DEFAULT_ARCHITECTURE, choices=list(architectures.ARCHITECTURES)
        )
        parser.add_argument("--epochs", type=int, default=kws_train.DEFAULT_EPOCHS)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--release", default="", help="train on this dataset release's clips (default: every prepared valid clip)"
        )
        parser.add_argument("--wait", action="store_true", help="show progress until the job ends")

    def handle(self, campaign, keywords, arch, epochs, seed, release, wait, **options):
        target = campaign_by_slug_or_name(campaign)
        if target is None:
            raise CommandError(f"no campaign {campaign!r}")
        try:
            job = job_launch(
                campaign=target,
                keywords=keywords.split(","),
                architecture=arch,
                epochs=epochs,
                seed=seed,
                release_name=release,
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"job {job.id}: {job.architecture}, {job.epochs} epochs, {len(job.clip_ids)} clips frozen")
        if not wait:
            return
        follow(
            job,
            done_field="epoch",
            finished=FINISHED,
            bar=ProgressBar(job.epochs, "training", stream=self.stderr._out),
            poll_s=1,
        )
        self.stdout.write(f"job {job.id} {job.state}")
        if job.state == TrainingJob.State.FAILED:
            raise CommandError(job.error)
        self.stdout.write(json.dumps(job.metrics, indent=2))
