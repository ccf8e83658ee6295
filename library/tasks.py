"""Background work through django-tasks: ``manage.py db_worker`` in production,
immediately in development and tests."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def send_newsletter_batch(issue_id: int, delivery_ids: list[int]) -> int:
    """One batch of a newsletter. Safe to run again: sent deliveries are skipped."""
    return services.delivery_send_batch(issue_id=issue_id, delivery_ids=delivery_ids)
