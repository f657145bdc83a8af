"""Celery integration: Redis broker when REDIS_URL is set, eager otherwise."""

from celery.schedules import crontab

from . import environment as env

CELERY_BROKER_URL = env.REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = env.REDIS_URL or "cache+memory://"
# Without a broker (the embedded default) tasks run in the calling process.
CELERY_TASK_ALWAYS_EAGER = env.REDIS_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 180
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis redelivers unacknowledged tasks after this; it must exceed the hard time limit.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = "UTC"

CELERY_BEAT_SCHEDULE = {
    # Partner activity figures read the daily rollup: today's is rebuilt every 10 minutes.
    "analytics-refresh-activity-rollup": {
        "task": "analytics.tasks.refresh_activity_rollup",
        "schedule": crontab(minute="*/10"),
    },
    # Deal changes refresh their days on commit; the whole rollup again nightly as a safety net.
    "analytics-rebuild-deal-rollup": {
        "task": "analytics.tasks.rebuild_deal_rollup",
        "schedule": crontab(hour=2, minute=40),
    },
    "analytics-weekly-digest": {
        "task": "analytics.tasks.send_program_digest",
        "schedule": crontab(day_of_week="mon", hour=6, minute=30),
    },
    "worker-heartbeat": {
        "task": "home.tasks.record_worker_heartbeat",
        "schedule": crontab(minute="*"),
    },
    # Safety net: entries whose drain failed (engine down) wait for this.
    "search-drain-outbox": {
        "task": "search.tasks.drain_index_outbox",
        "schedule": 30.0,
    },
    "programs-purge-expired-exports": {
        "task": "programs.tasks.purge_expired_exports",
        "schedule": crontab(hour=3, minute=30),
    },
    # The log of access changes that web processes read (programs.access_reads).
    "programs-purge-access-changes": {
        "task": "programs.tasks.purge_access_changes",
        "schedule": crontab(hour=3, minute=45),
    },
    "programs-evaluate-tiers": {
        "task": "programs.tasks.evaluate_all_tiers",
        "schedule": crontab(hour=2, minute=0),
    },
    # Tasks asked for while the broker was unreachable (portal.celery.PortalTask).
    "home-queue-held-tasks": {
        "task": "home.tasks.queue_held_tasks",
        "schedule": 60.0,
    },
    # Safety net: text extractions whose task was lost.
    "search-extract-pending-attachments": {
        "task": "search.tasks.extract_pending_attachment_texts",
        "schedule": crontab(minute="*/15"),
    },
    # Safety net: search log lines whose write task was lost (search.services.search_query_log_later).
    "search-write-query-log": {
        "task": "search.tasks.write_search_query_log",
        "schedule": 60.0,
    },
    "search-purge-outbox": {
        "task": "search.tasks.purge_index_outbox",
        "schedule": crontab(hour=3, minute=30),
    },
    "content-stale-asset-reminders": {
        "task": "content.tasks.remind_stale_asset_owners",
        "schedule": crontab(hour=6, minute=0),
    },
    "content-asset-popularity": {
        "task": "content.tasks.refresh_asset_popularity",
        "schedule": crontab(minute=5),
    },
    # Expire lapsed deal protections and send the 14- and 3-day reminders.
    "deals-expire-protections": {
        "task": "deals.tasks.expire_deal_protections",
        "schedule": crontab(hour=2, minute=15),
    },
    # Confirmed wins still waiting for an exchange rate that exists now (one confirmed
    # while the rate was being saved): converted before the nightly tier evaluation.
    "deals-convert-waiting-wins": {
        "task": "deals.tasks.convert_waiting_wins",
        "schedule": crontab(hour=1, minute=50),
    },
    # Offer declined leads and leads not answered within the SLA to the next partner.
    "deals-reassign-leads": {
        "task": "deals.tasks.reassign_due_leads",
        "schedule": crontab(minute="*/15"),
    },
    # Breached support cases go to the CAM, then the escalation group.
    "support-escalate-cases": {
        "task": "support.tasks.escalate_breached_cases",
        "schedule": crontab(minute="*/5"),
    },
    # Immediate notification e-mails whose task failed (the mail server down)
    # or is still held for the broker.
    "support-unsent-notification-emails": {
        "task": "support.tasks.email_unsent_notifications",
        "schedule": crontab(minute="*/5"),
    },
    "support-notification-digests": {
        "task": "support.tasks.send_notification_digests",
        "schedule": crontab(hour=7, minute=0),
    },
    # Settle rebates of the periods that ended yesterday, then draft the statements due.
    "incentives-period-close": {
        "task": "incentives.tasks.close_incentive_periods",
        "schedule": crontab(hour=3, minute=0),
    },
    # MDF: reviews waiting beyond their SLA go to the escalation group.
    "mdf-escalate-reviews": {
        "task": "mdf.tasks.escalate_overdue_mdf_reviews",
        "schedule": crontab(minute=20),
    },
    # MDF: period close expires unused funds; claim-deadline and expiry reminders.
    "mdf-expire-allocations": {
        "task": "mdf.tasks.expire_ended_mdf_allocations",
        "schedule": crontab(hour=1, minute=30),
    },
    # Webhook deliveries whose task never reached the broker (down at commit).
    "webhooks-requeue-stalled": {
        "task": "webhooks.tasks.requeue_stalled_deliveries",
        "schedule": 60.0,
    },
    # Certifications: record expiries (tier re-evaluated) and send 60/30/7-day reminders.
    "training-certification-expiries": {
        "task": "training.tasks.sweep_certification_expiries",
        "schedule": crontab(hour=1, minute=45),
    },
    "mdf-reminders": {
        "task": "mdf.tasks.send_mdf_reminders",
        "schedule": crontab(hour=6, minute=30),
    },
    # Changes recompute an activity's attributed registrations at once; all again nightly as a safety net.
    "mdf-rebuild-attribution": {
        "task": "mdf.tasks.rebuild_mdf_attribution",
        "schedule": crontab(hour=2, minute=50),
    },
}

# Outbound webhooks: attempts before a delivery is marked failed, and the
# first retry delay (doubling each time). With the task time limit per
# attempt, the whole chain (15 s … 16 min, under 56 min at worst) must end
# before the visibility timeout above: the webhooks.E001 check refuses to
# start otherwise.
WEBHOOK_MAX_ATTEMPTS = 8
WEBHOOK_RETRY_BASE_SECONDS = 15
