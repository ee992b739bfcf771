import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("chorus")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="chorus.ping")
def ping() -> str:
    """Round trip used by /healthz?worker=1 and the worker integration tests."""
    return "pong"
