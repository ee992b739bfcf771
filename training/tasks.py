from celery import shared_task

from training import jobs


@shared_task(name=jobs.RUN_JOB_TASK, acks_late=True)
def run_training_job(job_id: int) -> str | None:
    """Runs on the dedicated `training` queue (one job per worker process at a time)."""
    job = jobs.job_run(job_id=job_id)
    return job.state if job else None
