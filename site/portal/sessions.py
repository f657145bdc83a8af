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
from django.db.models import BigIntegerField, DateTimeField
from django.db.models.expressions import RawSQL
from django.utils import timezone

from programs import access_reads
from programs.compiled import PLACEHOLDER_MOMENT, CompiledQuery

NEWEST_ACCESS_CHANGE = "(SELECT {column} FROM programs_accesschange ORDER BY seq DESC LIMIT 1)"


def _sessions(session_key, now):
    sessions = SessionStore.get_model_class().objects.filter(session_key=session_key, expire_date__gt=now)
    if connection.vendor != "postgresql":
        return sessions
    # Constant SQL naming one table; no parameters.
    return sessions.annotate(
        access_change_seq=RawSQL(NEWEST_ACCESS_CHANGE.format(column="seq"), (), output_field=BigIntegerField()),  # noqa: S611
        access_change_at=RawSQL(  # noqa: S611
            NEWEST_ACCESS_CHANGE.format(column="changed_at"), (), output_field=DateTimeField()
        ),
    )


_SESSION = CompiledQuery(_sessions, session_key="compiled-query-placeholder", now=PLACEHOLDER_MOMENT)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        session = _SESSION.first(session_key=self.session_key, now=timezone.now())
        if session is None:
            self._session_key = None
        elif hasattr(session, "access_change_seq"):
            access_reads.observe(session.access_change_seq, session.access_change_at)
        return session
