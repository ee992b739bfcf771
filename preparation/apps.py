from django.apps import AppConfig


class PreparationConfig(AppConfig):
    name = "preparation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from collector.signals import clips_validated
        from preparation.services import preparation_trigger

        clips_validated.connect(preparation_trigger, dispatch_uid="preparation-trigger")
