from celery import shared_task

from training import data_map, jobs, label_errors


@shared_task(name=jobs.RUN_JOB_TASK, acks_late=True)
def run_training_job(job_id: int) -> str | None:
    """Runs on the dedicated `training` queue (one job per worker process at a time)."""
    job = jobs.job_run(job_id=job_id)
    return job.state if job else None


@shared_task(name=label_errors.FIND_LABEL_ERRORS_TASK, acks_late=True)
def find_label_errors(run_id: int) -> dict | None:
    """After a training job, or from the campaign admin: a minute or so of CPU on the default queue."""
    run = label_errors.label_errors_run(run_id=run_id)
    if run is None:
        return None
    return {
        "state": run.state,
        "suspects": run.suspects_found,
        "sent_to_review": run.sent_to_review,
        "review_values": run.review_values,
    }


@shared_task(name=data_map.DATA_MAP_TASK, acks_late=True)
def compute_data_map(map_id: int) -> dict | None:
    """From the data map page: the model over every valid clip, then t-SNE; a minute or two on the default queue."""
    result = data_map.data_map_run(map_id=map_id)
    return None if result is None else {"state": result.state, "clips": result.clips, "outliers": result.outliers}
