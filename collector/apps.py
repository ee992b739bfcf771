from django.apps import AppConfig


class CollectorConfig(AppConfig):
    name = "collector"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.core.signals import request_finished, request_started

        from collector import after_response
        from collector import schema  # noqa: F401  registers the OpenAPI auth extension

        request_started.connect(after_response.request_begin, dispatch_uid="chorus-after-response-begin")
        request_finished.connect(after_response.request_end, dispatch_uid="chorus-after-response-end")
