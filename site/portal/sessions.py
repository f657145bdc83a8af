"""Django's database sessions, read by a query compiled once per process.

Every signed-in request reads its session: building and compiling that
``Session.objects.get(...)`` on each request cost about as much CPU as
running it. Same table, same rows, same expiry rule: sessions written by
Django's own store are read here and the other way round. On PostgreSQL
the statement also reads the newest access change, which tells
``programs.access_reads`` whether the copies of users and memberships the
process keeps are still true.
"""

from django.contrib.sessions.backends import db
from django.db import connection
from django.db.models import BigIntegerField
from django.db.models.expressions import RawSQL
from django.utils import timezone

from programs import access_reads
from programs.compiled import PLACEHOLDER_MOMENT, CompiledQuery

#: the newest access change's number, and how many changes its window holds (programs.access_reads)
NEWEST_ACCESS_CHANGE = "(SELECT max(seq) FROM programs_accesschange)"
ACCESS_CHANGES_IN_WINDOW = (
    "(SELECT count(*) FROM programs_accesschange WHERE seq > "
    "(SELECT coalesce(max(seq), 0) FROM programs_accesschange) - %s)"
)


def _sessions(session_key, now):
    sessions = SessionStore.get_model_class().objects.filter(session_key=session_key, expire_date__gt=now)
    if connection.vendor != "postgresql":
        return sessions
    # Constant SQL naming one table; the window's size is a parameter.
    return sessions.annotate(
        access_change_seq=RawSQL(NEWEST_ACCESS_CHANGE, (), output_field=BigIntegerField()),  # noqa: S611
        access_changes_in_window=RawSQL(  # noqa: S611
            ACCESS_CHANGES_IN_WINDOW, (access_reads.WINDOW,), output_field=BigIntegerField()
        ),
    )


_SESSION = CompiledQuery(_sessions, session_key="compiled-query-placeholder", now=PLACEHOLDER_MOMENT)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        session = _SESSION.first(session_key=self.session_key, now=timezone.now())
        if session is None:
            self._session_key = None
        elif hasattr(session, "access_change_seq"):
            access_reads.observe(session.access_change_seq, session.access_changes_in_window)
        return session
