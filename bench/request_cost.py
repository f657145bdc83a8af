"""Per-request cost of a partner search and of the published interface
strings: SQL queries, Elasticsearch requests, Redis commands, median and p95,
through HTTP (Django test client, full middleware stack).

Each figure has a baseline measured in the same run, so the ratios compare
across runs on a loaded machine:

- search: ``/search/api/?q=…`` against autocomplete for the same reader (one
  engine request, same middleware and audience);
- interface strings: the partner dashboard with one published override against
  the same page without any (the override layer is reloaded only when the
  published version changes; the steady cost is one cache read).

Run it against its own PostgreSQL database with the demo seeded:

    eval "$(scripts/services.sh env)"
    psql "$DATABASE_URL" -c "CREATE DATABASE prm_bench"
    export DATABASE_URL="${DATABASE_URL%/*}/prm_bench" SEARCH_INDEX_PREFIX=bench
    REDIS_URL= .venv/bin/python manage.py migrate
    REDIS_URL= .venv/bin/python manage.py seed_demo
    .venv/bin/python bench/request_cost.py --runs 100

With REDIS_URL set, the search's query log is queued (one Redis command, the
worker writes it; no worker is needed to measure: point REDIS_URL at a Redis
database no other worker reads, or the queued log lines are written into that
worker's database); without it Celery runs the task inline and the log's
inserts count in the request. The override is published in a transaction
that is rolled back at the end. ``--only search`` or ``--only strings``
measures one part.
"""

import argparse
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "site")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.bench")

import django  # noqa: E402

django.setup()

import elastic_transport  # noqa: E402
import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from interface_strings import overrides, services  # noqa: E402
from interface_strings.catalogs import string_key  # noqa: E402

SEARCHES = ["price list", "storage", "battle card", "deal registration", "pricng", "quantum widgets"]
PREFIXES = ["pri", "sto", "bat", "dea", "net", "sec"]


class Calls:
    """Engine requests and Redis commands made while counting (every call goes
    through to the real service; only the count is added)."""

    def __init__(self):
        self.engine = 0
        self.redis: Counter = Counter()
        self._perform_request = elastic_transport.Transport.perform_request
        self._execute_command = redis.Redis.execute_command

    def __enter__(self):
        calls, perform_request, execute_command = self, self._perform_request, self._execute_command

        def counted_request(transport, *args, **kwargs):
            calls.engine += 1
            return perform_request(transport, *args, **kwargs)

        def counted_command(client, *args, **kwargs):
            calls.redis[args[0]] += 1
            return execute_command(client, *args, **kwargs)

        elastic_transport.Transport.perform_request = counted_request
        redis.Redis.execute_command = counted_command
        return self

    def __exit__(self, *exc):
        elastic_transport.Transport.perform_request = self._perform_request
        redis.Redis.execute_command = self._execute_command


def measure(client: Client, urls: list[str], runs: int) -> dict:
    samples, queries, engine, redis_commands = [], [], [], []
    for run in range(runs):
        url = urls[run % len(urls)]
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured, Calls() as calls:
            started = time.perf_counter()
            response = client.get(url, HTTP_HOST="localhost")
            samples.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} answered {response.status_code}")
        queries.append(len(captured.captured_queries))
        engine.append(calls.engine)
        redis_commands.append(sum(calls.redis.values()))
    samples_ms = sorted(value * 1000 for value in samples)
    return {
        "median": statistics.median(samples_ms),
        "p95": statistics.quantiles(samples_ms, n=100, method="inclusive")[94] if runs > 1 else samples_ms[0],
        "queries": statistics.median(queries),
        "max_queries": max(queries),
        "engine": statistics.median(engine),
        "redis": statistics.median(redis_commands),
        "last_sql": [query["sql"][:100] for query in captured.captured_queries],
        "last_redis": dict(calls.redis),
    }


def line(label: str, figures: dict) -> str:
    return (
        f"  {label:<42} median {figures['median']:7.2f} ms   p95 {figures['p95']:7.2f} ms   "
        f"SQL {figures['queries']:4.0f} (max {figures['max_queries']})   "
        f"Elasticsearch {figures['engine']:3.0f}   Redis {figures['redis']:3.0f}"
    )


def ratio(label: str, measured: dict, baseline: dict) -> str:
    return (
        f"  {label:<42} median x{measured['median'] / baseline['median']:.2f}   "
        f"p95 x{measured['p95'] / baseline['p95']:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--user", default="northwind.sales", help="partner user the requests run as")
    parser.add_argument("--verbose", action="store_true", help="list the last search's queries")
    parser.add_argument("--only", choices=["search", "strings"], help="measure one of the two")
    args = parser.parse_args()
    if not settings.ELASTICSEARCH_URL:
        sys.exit("ELASTICSEARCH_URL is needed: the search figures are of the engine path.")
    user = get_user_model().objects.filter(username=args.user).first()
    if user is None:
        sys.exit(f"No user {args.user}: seed the demo first (see the module docstring).")
    client = Client()
    client.force_login(user)
    print(f"As {args.user}, {args.runs} requests each, broker: {'Redis' if os.environ.get('REDIS_URL') else 'none'}")

    if args.only != "strings":
        search_cost(client, args.runs, verbose=args.verbose)
    if args.only != "search":
        strings_cost(client, args.runs)


def search_cost(client: Client, runs: int, *, verbose: bool) -> None:
    searches = [f"/search/api/?q={query.replace(' ', '+')}" for query in SEARCHES]
    completions = [f"/search/autocomplete/?q={prefix}" for prefix in PREFIXES]
    measure(client, searches + completions, len(SEARCHES) + len(PREFIXES))  # warm-up
    search = measure(client, searches, runs)
    autocomplete = measure(client, completions, runs)
    print("\nPartner search")
    print(line("search API (baseline: autocomplete)", search))
    print(line("autocomplete", autocomplete))
    print(ratio("search / autocomplete", search, autocomplete))
    print(f"  Redis commands of the last search: {search['last_redis']}")
    if verbose:
        print("\n".join(f"    {sql}" for sql in search["last_sql"]))


def strings_cost(client: Client, runs: int) -> None:
    print("\nPublished interface strings (partner dashboard)")
    for path in ("/dashboard/", "/fr/dashboard/"):
        measure(client, [path], 3)
        without = measure(client, [path], runs)
        with transaction.atomic():
            services.string_translation_save(
                language="fr", key=string_key(msgid="Register a deal"), forms=["Déclarer"], user=None, publish=True
            )
            overrides.announce()
            first = measure(client, [path], 1)
            steady = measure(client, [path], runs)
            transaction.set_rollback(True)
        overrides.announce()
        print(line(f"{path} without overrides (baseline)", without))
        print(line(f"{path} first request after a publication", first))
        print(line(f"{path} with one published override", steady))
        print(ratio(f"{path} with / without", steady, without))
        print(f"  Redis commands of a steady request: {steady['last_redis']}")


if __name__ == "__main__":
    main()
