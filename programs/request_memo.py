"""Reads remembered for one reading request (GET, HEAD), and configuration
remembered by the process until it changes.

A dashboard asks the same questions in many places (the organizations a user
sees, the active Wagtail locale, the program settings): within a reading
request the first answer is kept in a context variable that the
``programs.middleware.scoped_reads_remembered`` middleware opens and closes
around the request. Outside such a request (writes, tasks, services, tests
calling a selector) every call asks the database, so nothing read here can
outlive the request or hide a write from the code that made it.

Every page's shell also reads what channel ops configure in the admin and
nobody else changes (locales, navigation entries, audience rules, dashboard
layouts): :func:`remembered_until_changed` keeps those answers in the process
for as long as the *configuration generation* in the shared cache (Redis in
production) stays the same, and :func:`forget_when_saved` makes every save or
delete of the listed models start a new generation, in every process. A
value costly to compute that few models change has a scope of its own, with
its own generation (the pages' audience rules: every page saved changes the
configuration, not the rules). Only data that is the same for every reader
goes there, never one user's; each generation is read once per reading
request, all of them with the request's other shared keys.
"""

import copy
import threading
import uuid
from collections.abc import Callable, Hashable
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial
from time import monotonic
from typing import TypeVar

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models.signals import post_delete, post_save

from portal.cache import read_for_request, read_with_every_request

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


#: the shared cache's key of the configuration generation
GENERATION_KEY = "configuration-generation"
#: the scope of what every model listed without one changes
CONFIGURATION = "configuration"
read_with_every_request(GENERATION_KEY)
#: scope -> the generation the process's values are of, and the values
_process: dict[str, dict] = {}
_process_lock = threading.Lock()


def generation_key(scope: str) -> str:
    """The shared cache's key of ``scope``'s generation."""
    return GENERATION_KEY if scope == CONFIGURATION else f"{scope}-generation"


def remembered_until_changed(
    key: Hashable, compute: Callable[[], Value], *, scope: str = CONFIGURATION, max_age: float | None = None
) -> Value:
    """``compute()``, kept by the process until a model listed with
    :func:`forget_when_saved` for ``scope`` is saved or deleted (in any
    process), and at most ``max_age`` seconds if given (for data also changed
    where no signal is sent). A value costly to compute that few models
    change gets a scope of its own, so that other saves leave it kept.
    Within a reading request only: writes, tasks and tests calling a
    selector ask the database. The value is shared by every request: nothing
    one user may see and another may not, and callers must not change it."""
    if not in_reading_request():
        return compute()
    generation = remembered(generation_key(scope), lambda: _current_generation(scope))
    with _process_lock:
        kept_scope = _process.get(scope)
        if kept_scope is None or kept_scope["generation"] != generation:
            kept_scope = _process[scope] = {"generation": generation, "values": {}}
        values = kept_scope["values"]
        kept = values.get(key)
        if kept is not None and (kept[1] is None or monotonic() < kept[1]):
            return kept[0]
    value = compute()
    with _process_lock:
        if _process.get(scope) is kept_scope and values.get(key) is kept:
            values[key] = (value, None if max_age is None else monotonic() + max_age)
    return value


def remembered_instance(key: Hashable, load: Callable[[], Value]) -> Value:
    """A model instance of its own for each call, built from the row values
    :func:`remembered_until_changed` keeps (``load()`` reads the row): no
    request changes, or holds on to, another's instance."""
    kept = remembered_until_changed(key, lambda: _row_of(load()))
    if kept is None:
        return None
    model, fields, values = kept
    return model.from_db(DEFAULT_DB_ALIAS, fields, copy.deepcopy(values))


def _row_of(instance):
    if instance is None:
        return None
    fields = [field.attname for field in instance._meta.concrete_fields]
    return type(instance), fields, tuple(getattr(instance, name) for name in fields)


def _current_generation(scope: str) -> str:
    # Where the shared cache is unreachable, get_or_set answers a new
    # generation each time: each request reads the database, and nothing a
    # change made meanwhile could not reach is kept.
    key = generation_key(scope)
    return read_for_request(key) or cache.get_or_set(key, _new_generation, timeout=None)


def _new_generation() -> str:
    return uuid.uuid4().hex


def configuration_changed(*, scope: str = CONFIGURATION, **kwargs) -> None:
    """A new generation of ``scope`` now (this transaction's own reads see
    the change) and again on commit (another process may have remembered the
    old rows in between)."""
    _renew_generation(scope)
    transaction.on_commit(lambda: _renew_generation(scope))


def _renew_generation(scope: str) -> None:
    # A save does not fail where the cache is unreachable (the set is
    # dropped); processes reading meanwhile read the database (see
    # _current_generation).
    cache.set(generation_key(scope), _new_generation(), timeout=None)


def forget_when_saved(*models, scope: str = CONFIGURATION) -> None:
    """Saving or deleting any of ``models`` forgets what
    :func:`remembered_until_changed` kept for ``scope`` (call from an
    ``AppConfig.ready``, so every process that can write them listens)."""
    read_with_every_request(generation_key(scope))
    receiver = partial(configuration_changed, scope=scope)
    for model in models:
        uid = f"configuration_changed:{scope}:{model._meta.label}"
        post_save.connect(receiver, sender=model, weak=False, dispatch_uid=uid)
        post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=uid)
