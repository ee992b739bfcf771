import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("chorus")


def task_route(name, args, kwargs, options, task=None, **kw) -> dict | None:
    """CELERY_TASK_ROUTES: the queue CHORUS_TASK_QUEUES names for this task; None leaves it on the default queue."""
    from django.conf import settings

    setting = settings.CHORUS_TASK_QUEUES.get(name)
    return {"queue": getattr(settings, setting)} if setting else None


app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic work, run by `celery -A config beat` (or a worker started with -B): one beat per deployment.
app.conf.beat_schedule = {
    # files a worker wrote for a clip that was erased meanwhile (preparation.services.derived_orphans_sweep)
    "sweep-derived-orphans": {"task": "preparation.sweep_derived", "schedule": 3600.0},
}


@app.task(name="chorus.ping")
def ping() -> str:
    """Round trip used by /healthz?worker=1 and the worker integration tests."""
    return "pong"
