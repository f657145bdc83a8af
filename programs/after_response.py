"""Work a request owes to later readers, done once its response has gone out.

A search writes its query-log line to the shared cache and keeps the words
it learnt for the next searches: the partner reading the results waits for
neither. :func:`after_response` keeps such work until Django finishes the
response (``request_finished``, sent when the WSGI server closes it: after
the last byte is written, and by the test client before it returns), then
runs it in the same process. Outside a request (tasks, commands, tests
calling a service) the work runs at once.

The worker that served the response does the work before it takes the next
request: this moves time out of the partner's wait, not out of the server's
capacity.
"""

import logging
from collections.abc import Callable
from contextvars import ContextVar

from django.core.signals import request_finished, request_started

logger = logging.getLogger(__name__)

#: the current request's work for after its response (None outside a request)
_pending: ContextVar[list[Callable[[], None]] | None] = ContextVar("after_response", default=None)


def after_response(work: Callable[[], None]) -> None:
    """Run ``work`` once the current request's response is sent (its errors
    are then logged, not raised: the response has gone already), or now
    outside a request (where they are raised, as any call's)."""
    pending = _pending.get()
    if pending is None:
        work()
    else:
        pending.append(work)


def _request_started(**kwargs) -> None:
    _pending.set([])


def _request_finished(**kwargs) -> None:
    pending = _pending.get()
    _pending.set(None)
    for work in pending or ():
        try:
            work()
        except Exception:
            logger.exception("Work left for after the response failed")


def connect() -> None:
    """Listen to Django's request signals (once per process: see ProgramsConfig.ready)."""
    request_started.connect(_request_started, dispatch_uid="programs.after_response.started")
    request_finished.connect(_request_finished, dispatch_uid="programs.after_response.finished")
