from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "training"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from collector.signals import clips_erased
        from training.data_map import data_maps_drop_erased
        from training.jobs import jobs_mark_withdrawn

        clips_erased.connect(jobs_mark_withdrawn, dispatch_uid="training-jobs-mark-withdrawn")
        clips_erased.connect(data_maps_drop_erased, dispatch_uid="training-data-maps-drop-erased")
