"""Background work through django-tasks: ``manage.py db_worker`` runs it in production,
immediately in development and tests."""

from __future__ import annotations

from django_tasks import task

from .models import ImportJob, ImportStatus


@task()
def run_import(job_id: int) -> str:
    """Process one CSV import; its status page polls the counters it moves."""
    from .services import import_job_run

    job = ImportJob.objects.filter(pk=job_id, status=ImportStatus.PENDING).first()
    if job is None:
        return "skipped"
    return import_job_run(job=job).status
