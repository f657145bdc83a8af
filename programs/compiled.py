"""Querysets compiled by the ORM once per process.

Every signed-in page reads the same few rows the same way (the partner
membership with its organization, tier and type): building and compiling
such a queryset (joins, filters, a subquery, 70 selected columns) cost more
of the request's CPU than running it. :class:`CompiledQuery` builds it once
with placeholder values, keeps the SQL and how to turn a row into model
instances (``select_related`` included), and runs it again with each
request's values. What it returns is what the queryset returns.

On PostgreSQL the statement is prepared once per database session (see
:func:`prepared_cursor`): planning the user's permissions or the membership's
joins took the server longer than running them.
"""

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.backends.postgresql.psycopg_any import is_psycopg3
from django.db.models import QuerySet
from django.db.models.query import get_related_populators

if is_psycopg3:
    from django.db.backends.postgresql.base import TIMESTAMPTZ_OID, ServerBindingCursor
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg.pq import Format

    class _PreparedCursor(ServerBindingCursor):
        """Binds the parameters on the server and prepares each statement
        the first time this database session runs it."""

        def execute(self, query, params=None, *, prepare=True, binary=None):
            return super().execute(query, params, prepare=prepare, binary=binary)

        def _send_query_prepared(self, name, pgq, *, binary=None):
            # psycopg keeps no text for a prepared execution; Django's query
            # log (and the tests counting statements) reads it from here.
            self._query = pgq
            super()._send_query_prepared(name, pgq, binary=binary)


#: a time to stand for the moment a query asks about (unlike any real one)
PLACEHOLDER_MOMENT = datetime(1970, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


class CompiledQuery:
    """``build(**placeholders)`` compiled once; :meth:`first` runs it with
    other values for the placeholders.

    Each placeholder value must reach the SQL as a parameter of its own,
    unchanged (an id, a datetime): the parameters equal to a placeholder are
    the ones replaced. The others (constants of the query) are kept."""

    def __init__(self, build: Callable[..., QuerySet], **placeholders: Any):
        self._build = build
        self._placeholders = placeholders
        self._lock = threading.Lock()
        self._compiled: tuple | None = None

    def _compile(self) -> tuple:
        queryset = self._build(**self._placeholders)
        # as QuerySet.first() asks
        queryset = (queryset if queryset.ordered else queryset.order_by("pk"))[:1]
        alias = queryset.db
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        # Each parameter is a placeholder (as the database receives it: a
        # datetime is text on SQLite) or a constant of the query.
        adapt_datetime = compiler.connection.ops.adapt_datetimefield_value
        forms = [
            (name, adapt, adapt(placeholder) if adapt else placeholder)
            for name, placeholder in self._placeholders.items()
            for adapt in ((None, adapt_datetime) if isinstance(placeholder, datetime) else (None,))
        ]
        slots = []
        for value in params:
            slot = next(
                ((name, adapt, None) for name, adapt, form in forms if type(value) is type(form) and value == form),
                (None, None, value),
            )
            slots.append(slot)
        missing = set(self._placeholders) - {name for name, _, _ in slots}
        if missing:
            raise ImproperlyConfigured(f"The placeholders {sorted(missing)} are not parameters of: {sql}")
        klass_info, select = compiler.klass_info, compiler.select
        columns = [column[0] for column in select[: compiler.col_count]]
        if compiler.has_composite_fields(columns):
            raise ImproperlyConfigured(f"Composite fields are not supported: {sql}")
        # The functions that turn database values into Python ones (JSON,
        # arrays, time zones...), found once too.
        converters = list(compiler.get_converters(columns).items())
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        init_list = [column[0].target.attname for column in select[start:end]]
        populators = get_related_populators(klass_info, select, alias)
        annotations = list(compiler.annotation_col_map.items())
        return alias, sql, slots, converters, (klass_info["model"], start, end, init_list, populators, annotations)

    def first(self, **values: Any):
        """The first instance the query finds with these ``values`` (as
        ``QuerySet.first()``), or None."""
        if self._compiled is None:
            with self._lock:
                if self._compiled is None:
                    self._compiled = self._compile()
        alias, sql, slots, converters, (model, start, end, init_list, populators, annotations) = self._compiled
        params = tuple(
            constant if name is None else adapt(values[name]) if adapt else values[name]
            for name, adapt, constant in slots
        )
        connection = connections[alias]  # the calling thread's
        with prepared_cursor(connection) as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        row = list(row)
        for position, (functions, expression) in converters:
            value = row[position]
            for function in functions:
                value = function(value, expression, connection)
            row[position] = value
        instance = model.from_db(alias, init_list, row[start:end])
        for populator in populators:
            populator.populate(row, instance)
        for name, position in annotations:
            setattr(instance, name, row[position])
        return instance


def prepared_cursor(connection):
    """A cursor of ``connection`` whose statements the database prepares once
    per session and then only executes, where it can: PostgreSQL through
    psycopg 3 with prepared statements enabled (the ``prepare_threshold``
    database option, which a pooler in transaction mode needs off: see
    portal.settings.base). Django's own cursors bind parameters on the client,
    which the server parses and plans each time. Elsewhere Django's cursor.

    Wrapped as Django wraps its cursors (errors, query logging, execute
    wrappers), so tests count these statements as any other."""
    if connection.vendor != "postgresql" or not is_psycopg3:
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    if connection.connection.prepare_threshold is None:
        return connection.cursor()
    with connection.wrap_database_errors:
        cursor = _PreparedCursor(connection.connection)
        # as Django's create_cursor: the connection's time zone, if it changed
        loader = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
        if connection.timezone != loader.timezone:
            register_tzloader(connection.timezone, cursor)
    return connection._prepare_cursor(cursor)
