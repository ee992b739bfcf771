from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared, stage-free pieces: errors and their handler, row statements, work after the response,
    progress following, http helpers, pseudonyms and storage paths. No stage's models live here."""

    name = "core"

    def ready(self):
        from django.core.signals import request_finished, request_started

        from core import after_response

        request_started.connect(after_response.request_begin, dispatch_uid="chorus-after-response-begin")
        request_finished.connect(after_response.request_end, dispatch_uid="chorus-after-response-end")
