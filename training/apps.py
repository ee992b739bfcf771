from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "training"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from collector.signals import clips_erased
        from training.jobs import jobs_mark_withdrawn

        clips_erased.connect(jobs_mark_withdrawn, dispatch_uid="training-jobs-mark-withdrawn")
