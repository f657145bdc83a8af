"""Retries end before the broker's visibility timeout: Redis hands a task
not yet acknowledged (a retry waiting for its countdown in a worker) to
another worker after that timeout, which would send the delivery twice."""

from django.core.checks import run_checks
from django.test import override_settings

from portal.settings import celery as production_celery
from webhooks.services import broker_visibility_timeout, retry_budget_seconds, retry_delay_seconds

PRODUCTION = {
    "WEBHOOK_MAX_ATTEMPTS": production_celery.WEBHOOK_MAX_ATTEMPTS,
    "WEBHOOK_RETRY_BASE_SECONDS": production_celery.WEBHOOK_RETRY_BASE_SECONDS,
    "CELERY_TASK_TIME_LIMIT": production_celery.CELERY_TASK_TIME_LIMIT,
    "CELERY_BROKER_TRANSPORT_OPTIONS": production_celery.CELERY_BROKER_TRANSPORT_OPTIONS,
}


@override_settings(**PRODUCTION)
def test_the_whole_retry_chain_fits_in_the_visibility_timeout():
    attempts = production_celery.WEBHOOK_MAX_ATTEMPTS
    delays = [retry_delay_seconds(number) for number in range(1, attempts)]
    longest_chain = sum(delays) + attempts * production_celery.CELERY_TASK_TIME_LIMIT

    assert retry_budget_seconds() == longest_chain
    assert longest_chain < production_celery.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert broker_visibility_timeout() == production_celery.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert delays == sorted(delays) and delays[0] == production_celery.WEBHOOK_RETRY_BASE_SECONDS


@override_settings(**PRODUCTION)
def test_the_production_settings_pass_the_start_up_check():
    assert "webhooks.E001" not in {message.id for message in run_checks()}


@override_settings(**{**PRODUCTION, "CELERY_BROKER_TRANSPORT_OPTIONS": {"visibility_timeout": 900}})
def test_a_visibility_timeout_shorter_than_the_retries_stops_the_start():
    [error] = [message for message in run_checks() if message.id == "webhooks.E001"]

    assert "visibility timeout (900 s)" in error.msg
