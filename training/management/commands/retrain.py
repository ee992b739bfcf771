from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from training.jobs import job_retrain
from training.models import TrainingJob


class Command(BaseCommand):
    help = "Retrain a job on a release without withdrawn clips (the newest such release unless --release names one)."

    def add_arguments(self, parser):
        parser.add_argument("job_id", type=int)
        parser.add_argument(
            "--release", default="", help="release name (default: the newest one without withdrawn clips)"
        )

    def handle(self, job_id, release, **options):
        if not TrainingJob.objects.filter(id=job_id).exists():
            raise CommandError(f"no training job {job_id}")
        try:
            job = job_retrain(job_id=job_id, release_name=release)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            f"job {job.id} retrains job {job_id} on release {job.release_name}: {len(job.clip_ids)} clips frozen"
        )
