"""Django's database sessions, read by a query compiled once per process.

Every signed-in request reads its session: building and compiling that
``Session.objects.get(...)`` on each request cost about as much CPU as
running it. Same table, same rows, same expiry rule: sessions written by
Django's own store are read here and the other way round.
"""

from django.contrib.sessions.backends import db
from django.utils import timezone

from programs.compiled import PLACEHOLDER_MOMENT, CompiledQuery


def _sessions(session_key, now):
    return SessionStore.get_model_class().objects.filter(session_key=session_key, expire_date__gt=now)


_SESSION = CompiledQuery(_sessions, session_key="compiled-query-placeholder", now=PLACEHOLDER_MOMENT)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        session = _SESSION.first(session_key=self.session_key, now=timezone.now())
        if session is None:
            self._session_key = None
        return session
