"""The signed-in person's user and membership, kept by the process between
requests until the database records a change to them.

Every signed-in request reads its session, its user with their permissions
and, on partner pages, the membership with its organization, tier, type and
held certifications: three statements and about 1.5 ms of the request, for
rows that seldom change. The session is still read every time (logging out
and expiry apply at once); with it the session statement reads the newest
:class:`~programs.models.AccessChange` and how many there are among the
newest :data:`WINDOW` numbers. The database's own triggers write such a row
for every insert, update, delete or truncate of a table the user or the
membership is read from (migration 0015: whoever makes the change, the ORM,
``QuerySet.update()``, the admin, a task, or SQL). Where either figure
differs from what the process applied last, it reads the changes it has not
applied and drops the copies they concern (the count catches a change whose
transaction took its number before a newer one but committed after it). The
user and the membership are then taken from the process's copy if no change
to them was recorded since it was read, else read again. A change is seen by the next
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

#: kept copies are read again after this many seconds, whatever the log says
#: (the bound for a change the log's window misses, see WINDOW)
MAX_AGE = 60.0
#: the access changes recorded longer ago are deleted nightly (programs.tasks)
PURGE_AFTER = timedelta(days=1)
#: at most this many copies (a user's and a membership's, a few kilobytes each) per process
MAX_ENTRIES = 10_000

#: the session statement counts the access changes among the newest this
#: many sequence numbers: a transaction takes its number when it writes and
#: shows its change when it commits, so a change may appear after a newer
#: one; the count tells. A change that appears after more than this many
#: newer ones (a transaction still open while a bulk change of hundreds of
#: rows commits) reaches the copies within MAX_AGE.
WINDOW = 200
#: a process that missed more changes than this drops all its copies rather than read them all
MANY = 5_000

#: the newest access change's number and the count in its window, as the
#: current request's session statement saw them
_observed: ContextVar[tuple[int, int] | None] = ContextVar("access_reads_observed", default=None)


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
    stored_at: float
    read_at: datetime | None
    valid_until: datetime | None
    organization_id: int | None
    copy: bytes


_lock = threading.Lock()
#: the view of the access changes this process applied last (see _observed)
_mark: list[tuple[int, int] | None] = [None]
#: the numbers of the changes in that view's window it applied
_applied: set[int] = set()
_entries: dict[tuple[str, int], _Entry] = {}


def observe(newest: int | None, in_window: int | None) -> None:
    """The session statement's view of the access changes: the newest one's
    number and how many there are in its window (None: none recorded yet).
    Drops the copies of everyone a change not yet applied concerns; this
    request may then use and fill the copies."""
    mark = (newest or 0, in_window or 0)
    _observed.set(mark)
    if _mark[0] == mark:
        return
    with _lock:
        if _mark[0] != mark:
            _apply_changes(mark)


def _apply_changes(mark: tuple[int, int]) -> None:
    from .models import AccessChange

    newest = mark[0]
    applied = _mark[0]
    if applied is None or newest < applied[0] or newest - applied[0] > MANY:
        # A process's first view, a view older than its last (the newest
        # change rolled back), or too many changes missed: start afresh.
        low = newest - WINDOW
        _entries.clear()
    else:
        low = min(applied[0], newest - WINDOW)
    changes = list(
        AccessChange.objects.filter(seq__gt=low, seq__lte=newest).values_list("seq", "user_id", "organization_id")
    )
    present = {seq for seq, _user_id, _organization_id in changes}
    if any(low < seq <= newest and seq not in present for seq in _applied):
        # A change this process applied is gone (rolled back): its copies
        # may hold what that transaction read.
        _entries.clear()
    for seq, user_id, organization_id in changes:
        if seq in _applied:
            continue
        if user_id is None and organization_id is None:
            _entries.clear()
        for key, entry in list(_entries.items()):
            if key[1] == user_id or (organization_id is not None and entry.organization_id == organization_id):
                del _entries[key]
    _applied.clear()
    _applied.update(seq for seq in present if seq > newest - WINDOW)
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
            _entries[key] = _Entry(monotonic(), at, fresh.valid_until, fresh.organization_id, copy)
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
        _applied.clear()
        _mark[0] = None


def _request_boundary(**kwargs) -> None:
    _observed.set(None)


def connect() -> None:
    """A request starts without a view of the access changes and leaves none
    behind (once per process: see ProgramsConfig.ready)."""
    request_started.connect(_request_boundary, dispatch_uid="programs.access_reads.started")
    request_finished.connect(_request_boundary, dispatch_uid="programs.access_reads.finished")
