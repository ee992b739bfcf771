import os
import tempfile
import zipfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from core.progress import ProgressBar
from exporter.targets import TARGETS, package_writer
from kws.package import STAGES
from training.models import TrainingJob


class Command(BaseCommand):
    help = (
        "Write a finished training job's model package to a zip: for Arduino (int8 model, C array, features, "
        "golden vectors, sketch, model card...) or for ESPHome (micro_wake_word manifest, streaming model, YAML)."
    )

    def add_arguments(self, parser):
        parser.add_argument("job_id", type=int)
        parser.add_argument("--out", required=True, type=Path, help="the zip to write, e.g. model.zip")
        parser.add_argument(
            "--target", choices=TARGETS, default="", help="default: esphome for wake-word jobs, arduino for commands"
        )

    def handle(self, job_id: int, out: Path, target: str = "", **options):
        job = TrainingJob.objects.select_related("campaign").filter(id=job_id).first()
        if job is None:
            raise CommandError(f"no training job {job_id}")
        if not out.parent.resolve().is_dir():
            raise CommandError(f"{out.parent} is not a directory")
        try:
            write, _ = package_writer(job, target)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        bar = ProgressBar(len(STAGES), "exporting", stream=self.stderr._out)
        # a temporary file beside the target, renamed into place:
        # a reader never sees half a zip, a failure leaves nothing
        fd, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as f:
                names = write(job, f, on_progress=lambda done, total: bar.update(done - bar.done))
                f.flush()
                os.fsync(f.fileno())
            os.chmod(temporary, 0o644)
            os.replace(temporary, out)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
        bar.close()
        with zipfile.ZipFile(out) as archive:
            for info in archive.infolist():
                self.stdout.write(f"  {info.file_size:>9,}  {info.filename}")
        self.stdout.write(f"wrote {out}: {len(names)} entries, {out.stat().st_size:,} bytes")
