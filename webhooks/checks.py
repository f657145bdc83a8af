"""Start-up check: webhook retries must end before the broker would hand a
waiting retry to a second worker."""

from django.core.checks import Error, register

from .services import broker_visibility_timeout, retry_budget_seconds


@register()
def retries_end_before_the_visibility_timeout(app_configs, **kwargs):
    budget, timeout = retry_budget_seconds(), broker_visibility_timeout()
    if budget < timeout:
        return []
    return [
        Error(
            f"Webhook retries can last {budget} s, not less than the broker's visibility timeout ({timeout} s): "
            "a retry waiting for its countdown would be redelivered to a second worker.",
            hint="Lower WEBHOOK_MAX_ATTEMPTS or WEBHOOK_RETRY_BASE_SECONDS, or raise "
            "CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout'].",
            id="webhooks.E001",
        )
    ]
