"""Celery queues are declared once (CHORUS_TASK_QUEUES behind CELERY_TASK_ROUTES): a task sent by name
alone lands on its queue, and the queue follows the setting when it moves."""

import pytest
from celery import current_app

from config.celery import task_route

REGISTERED_TASKS = {
    "collector.storage_delete",
    "labeling.reevaluate_reviewer",
    "preparation.prepare_batch",
    "releases.build_release",
    "training.run_job",
    "training.find_label_errors",
    "chorus.ping",
}


def test_every_task_is_registered_under_its_stage_name():
    current_app.loader.import_default_modules()
    assert REGISTERED_TASKS <= set(current_app.tasks)


def test_the_routes_send_each_task_to_the_queue_its_setting_names(settings):
    assert (
        task_route("preparation.prepare_batch", [], {}, {})
        == {"queue": settings.CHORUS_PREPARE_QUEUE}
        == {"queue": "prepare"}
    )
    assert task_route("training.run_job", [], {}, {}) == {"queue": "training"}
    assert task_route("releases.build_release", [], {}, {}) is None  # the default queue
    settings.CHORUS_PREPARE_QUEUE = "prepare-elsewhere"
    assert task_route("preparation.prepare_batch", [], {}, {}) == {"queue": "prepare-elsewhere"}


@pytest.mark.parametrize(
    ("name", "queue"),
    [
        ("preparation.prepare_batch", "prepare"),
        ("training.run_job", "training"),
        ("collector.storage_delete", "default"),
        ("training.find_label_errors", "default"),  # a minute of CPU, not a training job's hours
    ],
)
def test_celery_routes_a_task_sent_by_name_alone(name, queue):
    route = current_app.amqp.router.route({}, name, (), {})
    assert route["queue"].name == queue


@pytest.mark.django_db
def test_a_release_build_queued_under_its_old_name_still_runs(campaign_with_speakers):
    from releases.models import Release
    from releases.services import release_create

    current_app.loader.import_default_modules()
    release = release_create(campaign=campaign_with_speakers, name="v1")
    assert current_app.tasks["exporter.build_release"](release.id) == "succeeded"
    assert Release.objects.get(id=release.id).archive_sha256
