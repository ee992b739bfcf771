"""How a service queues work: by task name, never by importing a tasks module.

Tasks import services, never the reverse. A service (or a lower stage triggering a later one) calls
`task_enqueue("<app>.<task>", args=[...])`; the queue comes from CELERY_TASK_ROUTES, declared once in
config/settings.py. Call it from `transaction.on_commit` when the task reads rows the caller writes.
"""

from __future__ import annotations

from celery import current_app


def task_enqueue(name: str, *, args: list | tuple = (), countdown: float | None = None) -> None:
    """Send the task named `name` to the queue its route names (the default queue if none)."""
    current_app.send_task(name, args=list(args), countdown=countdown)
