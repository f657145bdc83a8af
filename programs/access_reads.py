"""The signed-in person's user and membership, kept by the process between
requests until the database records a change to them.

Every signed-in request reads its session, its user with their permissions
and, on partner pages, the membership with its organization, tier, type and
held certifications: three statements and about 1.5 ms of the request, for
rows that seldom change. The session is still read every time (logging out
and expiry apply at once); with it the session statement reads the newest
:class:`~programs.models.AccessChange`, a row the database's own triggers
write for every insert, update, delete or truncate of a table the user or
the membership is read from (migration 0015: whoever makes the change, the
ORM, ``QuerySet.update()``, the admin, a task, or SQL). The user and the
membership are then taken from the process's copy if no change to them was
recorded since it was read, else read again. A change is seen by the next
request that reads its session once the change is committed, in every
process; in the changing transaction itself, at once.

Only on PostgreSQL and only within a request that read its session (see
:func:`observe`): elsewhere (the embedded SQLite default, tasks, API tokens,
code calling a selector) every call reads the database. Each caller gets its
own copy, so what one request sets on its user or membership stays there.
"""

import pickle
import threading
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from time import monotonic
from typing import Any

from django.core.signals import request_finished, request_started
from django.utils import timezone

#: kept copies are read again after this many seconds, whatever the triggers say
MAX_AGE = 300.0
#: the access changes recorded longer ago are deleted nightly (programs.tasks)
PURGE_AFTER = timedelta(days=1)
#: at most this many copies (a user's and a membership's, a few kilobytes each) per process
MAX_ENTRIES = 10_000

#: the newest access change (seq, changed_at) the current request's session statement saw
_observed: ContextVar[tuple[int, datetime | None] | None] = ContextVar("access_reads_observed", default=None)


@dataclass(frozen=True)
class Kept:
    """What a read returns: the value to keep, the organization it depends on
    (a change to that organization's row makes it stale), and the moment it
    stops being true by itself (a certification earned or expiring)."""

    value: Any
    organization_id: int | None = None
    valid_until: datetime | None = None


@dataclass(frozen=True)
class _Entry:
    mark: tuple[int, datetime | None]
    stored_at: float
    read_at: datetime | None
    valid_until: datetime | None
    organization_id: int | None
    copy: bytes


_lock = threading.Lock()
#: the newest access change this process has applied to its copies
_mark: list[tuple[int, datetime | None] | None] = [None]
_entries: dict[tuple[str, int], _Entry] = {}


def observe(seq: int | None, changed_at: datetime | None) -> None:
    """The session statement's view of the newest access change (None: no
    change recorded yet). Drops the copies of everyone a newer change
    concerns; this request may then use and fill the copies."""
    mark = (seq or 0, changed_at)
    _observed.set(mark)
    if _mark[0] == mark:
        return
    with _lock:
        if _mark[0] != mark:
            _apply_changes(_mark[0], mark)


def _apply_changes(applied, mark) -> None:
    from .models import AccessChange

    if applied is None:
        _entries.clear()
        _mark[0] = mark
        return
    if mark[0] < applied[0]:
        # An older view (a request that read its session before another
        # applied a newer change) leaves the copies as they are; a rolled
        # back or deleted change does not.
        if AccessChange.objects.filter(seq=applied[0], changed_at=applied[1]).exists():
            return
        _entries.clear()
        _mark[0] = mark
        return
    changes = list(
        AccessChange.objects.filter(seq__gte=applied[0], seq__lte=mark[0])
        .order_by("seq")
        .values_list("seq", "changed_at", "user_id", "organization_id")
    )
    if applied[0] and (not changes or changes[0][:2] != applied):
        # The change this process applied last is gone (rolled back, or
        # cleared from the log): what happened since cannot be told.
        _entries.clear()
    else:
        for seq, _at, user_id, organization_id in changes:
            if seq == applied[0]:
                continue
            if user_id is None and organization_id is None:
                _entries.clear()
                break
            for key, entry in list(_entries.items()):
                if key[1] == user_id or (organization_id is not None and entry.organization_id == organization_id):
                    del _entries[key]
    _mark[0] = mark


def kept(kind: str, user_id: int, read: Callable[[], Kept], *, at: datetime | None = None):
    """``read().value`` for ``user_id``, or a copy of it kept since a request
    read it, if nothing it depends on changed since (see the module's
    docstring). ``at``: the moment the value is asked for (a value read for
    one moment stays true until its ``valid_until``)."""
    mark = _observed.get()
    if mark is None:
        return read().value
    key = (kind, user_id)
    entry = _entries.get(key)
    if (
        entry is not None
        and monotonic() - entry.stored_at < MAX_AGE
        and (at is None or (entry.read_at is not None and entry.read_at <= at))
        and (entry.valid_until is None or at is None or at < entry.valid_until)
    ):
        return pickle.loads(entry.copy)  # noqa: S301 (bytes this process wrote)
    fresh = read()
    # Copied before the caller sets anything on it; stored only where this
    # request saw the change this process applied last (a request that saw
    # an older one may have read rows a newer change has made stale).
    copy = pickle.dumps(fresh.value, protocol=pickle.HIGHEST_PROTOCOL)
    with _lock:
        if _mark[0] == mark:
            if len(_entries) >= MAX_ENTRIES:
                _make_room()
            _entries[key] = _Entry(mark, monotonic(), at, fresh.valid_until, fresh.organization_id, copy)
    return fresh.value


def _make_room() -> None:
    """Drop the copies too old to be used; all of them if that is not enough."""
    now = monotonic()
    for key, entry in list(_entries.items()):
        if now - entry.stored_at >= MAX_AGE:
            del _entries[key]
    if len(_entries) >= MAX_ENTRIES:
        _entries.clear()


def access_changes_purge(*, older_than: timedelta = PURGE_AFTER) -> int:
    """Delete the access changes recorded more than ``older_than`` ago, all
    but the newest (which the session statement reads); returns how many.
    A process whose last applied change is gone drops all its copies."""
    from .models import AccessChange

    newest = AccessChange.objects.order_by("-seq").values_list("seq", flat=True).first()
    if newest is None:
        return 0
    deleted, _ = AccessChange.objects.filter(changed_at__lt=timezone.now() - older_than, seq__lt=newest).delete()
    return deleted


def forget() -> None:
    """Drop every copy (tests; a process that must not trust its copies)."""
    with _lock:
        _entries.clear()
        _mark[0] = None


def _request_boundary(**kwargs) -> None:
    _observed.set(None)


def connect() -> None:
    """A request starts without a view of the access changes and leaves none
    behind (once per process: see ProgramsConfig.ready)."""
    request_started.connect(_request_boundary, dispatch_uid="programs.access_reads.started")
    request_finished.connect(_request_boundary, dispatch_uid="programs.access_reads.finished")
