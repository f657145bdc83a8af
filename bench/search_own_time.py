"""The portal's own time per search, taken apart: bench/search.py's query mix
(or autocompletes) through the Django test client (full middleware stack), in
one process, each request split into

- wall and process CPU time;
- the engine: the wall time of the HTTP calls to Elasticsearch and the
  ``took`` the engine reported (the bench's "outside Elasticsearch" is the
  request's time minus what ``Server-Timing`` reports of ``took``);
- SQL statements and their time, Redis commands (cache and broker);
- ``--profile``: Python function calls per request (cProfile) and the
  functions with the most cumulative time.

Run it from a checkout against bench/search.py's database and index (same
environment as bench/search.py, after one run of it has seeded and indexed):

    DATABASE_URL=postgres://prm:prm@127.0.0.1:25432/prm_search9b ELASTICSEARCH_URL=http://127.0.0.1:29210 \\
      REDIS_URL=redis://127.0.0.1:26391/5 SEARCH_INDEX_PREFIX=search9b \\
      .venv/bin/python bench/search_own_time.py --queries 200 [--autocomplete] [--profile]

Nothing consumes the broker's queue here: point REDIS_URL at a Redis
database no worker reads (queued query-log lines stay there).
"""

import argparse
import contextlib
import cProfile
import gc
import importlib
import os
import pstats
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "site")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.bench")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from elastic_transport import Transport  # noqa: E402
from redis import Redis  # noqa: E402

from bench.scale import load_average  # noqa: E402
from bench.search import percentiles, query_mix  # noqa: E402
from content.models import AssetPage  # noqa: E402
from portal.startup import freeze_loaded_objects  # noqa: E402


class Meter:
    """Wall time of the engine's HTTP calls and the Redis commands sent."""

    def __init__(self):
        self.engine_seconds = 0.0
        self.engine_took_ms = 0.0
        self.engine_calls = 0
        self.redis_commands = 0

    def __enter__(self):
        meter = self
        self._perform, self._execute = Transport.perform_request, Redis.execute_command

        def perform_request(transport, *args, **kwargs):
            started = time.perf_counter()
            try:
                return meter._perform(transport, *args, **kwargs)
            finally:
                meter.engine_seconds += time.perf_counter() - started
                meter.engine_calls += 1

        def execute_command(client, *args, **kwargs):
            meter.redis_commands += 1
            return meter._execute(client, *args, **kwargs)

        Transport.perform_request = perform_request
        Redis.execute_command = execute_command
        return self

    def __exit__(self, *exc):
        Transport.perform_request, Redis.execute_command = self._perform, self._execute


#: ``--parts``: the process CPU spent inside these functions, per request
PARTS = {
    "session load": "django.contrib.sessions.backends.db:SessionStore.load",
    "user (session and user query)": "django.contrib.auth.middleware:get_user",
    "partner membership": "programs.languages:active_membership",
    "the search view's work": "search.views:_run_search",
    "the engine client (HTTP, JSON)": "elastic_transport:Transport.perform_request",
    "the query log line": "search.services:search_query_log_later",
}


class Parts:
    """Process CPU inside the functions of PARTS, and in garbage collection."""

    def __init__(self):
        self.cpu = dict.fromkeys([*PARTS, "garbage collection"], 0.0)
        self._originals = []

    def _wrap(self, label, owner, name):
        original = getattr(owner, name)
        cpu = self.cpu

        def timed(*args, **kwargs):
            started = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                cpu[label] += time.process_time() - started

        self._originals.append((owner, name, original))
        setattr(owner, name, timed)

    def _collection(self, phase, info):
        if phase == "start":
            self._collecting = time.process_time()
        else:
            self.cpu["garbage collection"] += time.process_time() - self._collecting

    def __enter__(self):
        for label, target in PARTS.items():
            module, _, attribute = target.partition(":")
            owner = importlib.import_module(module)
            *path, name = attribute.split(".")
            for part in path:
                owner = getattr(owner, part)
            self._wrap(label, owner, name)
        gc.callbacks.append(self._collection)
        return self

    def __exit__(self, *exc):
        gc.callbacks.remove(self._collection)
        for owner, name, original in reversed(self._originals):
            setattr(owner, name, original)


def engine_ms(response) -> float | None:
    timing = response.get("Server-Timing") or ""
    return next((float(part.split("dur=")[1]) for part in timing.split(",") if "engine;dur=" in part), None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--user", default="northwind.sales")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--autocomplete", action="store_true", help="autocompletes instead of searches")
    parser.add_argument("--profile", action="store_true", help="cProfile the requests")
    parser.add_argument(
        "--cpu", action="store_true", help="with --profile: time the functions in process CPU (waits count nothing)"
    )
    parser.add_argument(
        "--parts", action="store_true", help="CPU per request in the session, user, membership, view..."
    )
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--callers", help="also list the callers of the functions matching this pattern")
    parser.add_argument("--slowest", type=int, default=0, help="list the requests most outside the engine")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    rng = random.Random(2026)
    if args.autocomplete:
        # as bench/search.py: the first letters of English asset titles
        titles = AssetPage.objects.filter(locale__language_code="en").order_by("pk").values_list("title", flat=True)
        titles = list(titles[: args.queries])
        paths = [f"/search/autocomplete/?{urlencode({'q': title[: rng.randrange(3, 8)]})}" for title in titles]
    else:
        paths = query_mix(args.queries, rng)
    client = Client()
    client.force_login(get_user_model().objects.get(username=args.user))
    for path in paths[:20]:  # warm-up: URL resolvers, templates, per-process caches, the request cache
        client.get(path, HTTP_HOST="localhost")
    freeze_loaded_objects()  # as portal/wsgi.py does once it has loaded

    rows = []
    parts = Parts() if args.parts else None
    profiler = (cProfile.Profile(time.process_time) if args.cpu else cProfile.Profile()) if args.profile else None
    for path in paths:
        before = dict(parts.cpu) if parts else {}
        with Meter() as meter, CaptureQueriesContext(connection) as queries, parts or contextlib.nullcontext():
            wall, cpu = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            response = client.get(path, HTTP_HOST="localhost")
            if profiler:
                profiler.disable()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if response.status_code != 200:
            sys.exit(f"GET {path} answered {response.status_code}")
        took = engine_ms(response)
        rows.append(
            {
                "path": path,
                "took": took,
                "wall": wall * 1000,
                "cpu": cpu * 1000,
                "outside": wall * 1000 - took if took is not None else None,
                "engine_wall": meter.engine_seconds * 1000,
                "not_engine": wall * 1000 - meter.engine_seconds * 1000,
                "engine_calls": meter.engine_calls,
                "sql": len(queries),
                "sql_ms": sum(float(query["time"]) for query in queries.captured_queries) * 1000,
                "redis": meter.redis_commands,
                **{
                    f"part:{label}": (spent - before[label]) * 1000
                    for label, spent in (parts.cpu if parts else {}).items()
                },
            }
        )
    kind = "autocompletes" if args.autocomplete else "searches"
    print(f"{len(rows)} {kind} as {args.user}, DEBUG={settings.DEBUG}   [{load_average()}]")
    labels = {
        "wall": "request wall time",
        "cpu": "process CPU",
        "outside": "wall minus the engine's took (the bench's 'outside')",
        "engine_wall": "wall of the HTTP calls to Elasticsearch",
        "not_engine": "wall outside those calls (the portal's own)",
        "engine_calls": "HTTP calls to Elasticsearch",
        "sql": "SQL statements",
        "sql_ms": "SQL time (ms)",
        "redis": "Redis commands",
        **{f"part:{label}": f"  CPU in {label} (ms)" for label in (parts.cpu if parts else {})},
    }
    for key, label in labels.items():
        values = [row[key] for row in rows if row[key] is not None]
        if values:
            median, p95 = percentiles(values)
            print(f"  {label:55s} median {median:8.2f}   p95 {p95:8.2f}   mean {statistics.fmean(values):8.2f}")
    if args.slowest:
        print("  Most time outside the engine (ms: outside = engine calls' wall - took + own; calls; path):")
        for row in sorted(rows, key=lambda row: row["outside"] or 0, reverse=True)[: args.slowest]:
            print(
                f"    {row['outside']:6.1f} = {row['engine_wall'] - (row['took'] or 0):5.1f} + {row['not_engine']:5.1f}"
                f"  {row['engine_calls']}  {row['path']}"
            )
    if profiler:
        stats = pstats.Stats(profiler)
        print(f"  Python function calls per request: {stats.total_calls / len(rows):,.0f}")
        stats.sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)
        if args.callers:
            stats.print_callers(args.callers)


if __name__ == "__main__":
    main()
