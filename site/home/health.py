"""Probes behind /healthz/: each returns a dict with at least ``up``.

The answer is public, so it says which part failed, never why: exception
texts carry host names, ports and credentials. The reason goes to the log."""

import logging

from django.conf import settings
from django.db import connection

from portal.celery import app as celery_app
from search import engine

logger = logging.getLogger(__name__)


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any failure means "down"
        logger.warning("Health check: the database is down", exc_info=True)
        return {"up": False, "backend": connection.vendor}
    return {"up": True, "backend": connection.vendor}


def check_search_engine() -> dict:
    if not engine.is_enabled():
        return {"up": True, "backend": "database (embedded default)"}
    try:
        status = engine.get_client().options(request_timeout=2).cluster.health()["status"]
    except Exception:  # noqa: BLE001
        logger.warning("Health check: the search engine is down", exc_info=True)
        return {"up": False, "backend": "elasticsearch"}
    return {"up": status in {"green", "yellow"}, "backend": "elasticsearch", "cluster": status}


def check_broker() -> dict:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"up": True, "backend": "eager (embedded default)"}
    try:
        with celery_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, timeout=2)
    except Exception:  # noqa: BLE001
        logger.warning("Health check: the broker is down", exc_info=True)
        return {"up": False, "backend": "redis"}
    return {"up": True, "backend": "redis"}


CHECKS = {
    "database": check_database,
    "search": check_search_engine,
    "broker": check_broker,
}


def run_checks() -> dict:
    results = {name: check() for name, check in CHECKS.items()}
    failing = [name for name, result in results.items() if not result["up"]]
    return {"status": "down" if failing else "ok", "failing": failing, "checks": results}
