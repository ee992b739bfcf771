from django.apps import AppConfig


class CollectorConfig(AppConfig):
    name = "collector"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from collector import schema  # noqa: F401  registers the OpenAPI auth extension
