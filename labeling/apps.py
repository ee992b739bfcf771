from django.apps import AppConfig


class LabelingConfig(AppConfig):
    name = "labeling"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from collector.signals import clips_listed
        from labeling.selectors import review_reasons_listed

        clips_listed.connect(review_reasons_listed, dispatch_uid="labeling-review-reasons")
