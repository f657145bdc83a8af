"""Reads remembered for one reading request (GET, HEAD) and nothing longer.

A dashboard asks the same questions in many places (the organizations a user
sees, the active Wagtail locale, the program settings): within a reading
request the first answer is kept in a context variable that the
``programs.middleware.scoped_reads_remembered`` middleware opens and closes
around the request. Outside such a request (writes, tasks, services, tests
calling a selector) every call asks the database, so nothing read here can
outlive the request or hide a write from the code that made it.
"""

from collections.abc import Callable, Hashable
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

_remembered: ContextVar[dict | None] = ContextVar("request_memo", default=None)

Value = TypeVar("Value")


@contextmanager
def remembered_for_request():
    """Within the block, :func:`remembered` computes each key once."""
    token = _remembered.set({})
    try:
        yield
    finally:
        _remembered.reset(token)


def in_reading_request() -> bool:
    return _remembered.get() is not None


def remembered(key: Hashable, compute: Callable[[], Value]) -> Value:
    """``compute()``, kept under ``key`` for the rest of the reading request
    (computed on every call outside one)."""
    memo = _remembered.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]
