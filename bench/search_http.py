"""bench/search.py's search figures over HTTP alone, on an index and database
it has already seeded: gunicorn (4 workers) from this checkout, the query mix
at 1 client and at 8, the time outside Elasticsearch (``Server-Timing``).

Seeds, reindexes and publishes nothing, and does not empty the engine's
request cache (so it measures "the same queries again"): usable on an engine
others read at the same time.

    DATABASE_URL=postgres://prm:prm@127.0.0.1:25432/prm_search8 ELASTICSEARCH_URL=http://127.0.0.1:29230 \\
      REDIS_URL=redis://127.0.0.1:26392/6 SEARCH_INDEX_PREFIX=s1m \\
      .venv/bin/python bench/search_http.py --port 28671 --queries 100
"""

import argparse
import os
import random
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "portal.settings.bench",
        "DEBUG": "false",
        "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "site")]),
    }
)
sys.path[:0] = [str(REPO), str(REPO / "site")]

from bench import search  # noqa: E402


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=28671, help="below 32768 (Linux's ephemeral ports)")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--user", default="northwind.sales")
    args = parser.parse_args()
    cookie = search.session_cookie(args.user)
    paths = search.query_mix(args.queries, random.Random(2026))
    (REPO / ".services").mkdir(exist_ok=True)
    server = search.Gunicorn(args.port, search.ENVIRONMENT, "elasticsearch")
    try:
        for _ in range(2):  # warm-up: every worker, the request cache
            search.run_clients(args.port, paths, cookie, 1)
        load = search.load_average()
        samples = search.run_clients(args.port, paths, cookie, 1)
        outside = list(search.OUTSIDE_ENGINE)
        print(
            f"{len(samples)} searches at 1 client {load}: median {statistics.median(samples) * 1000:.1f}, "
            f"p95 {p95(samples) * 1000:.1f} ms; outside Elasticsearch median "
            f"{statistics.median(outside) * 1000:.1f}, p95 {p95(outside) * 1000:.1f} ms"
        )
        search.run_clients(args.port, paths, cookie, 8)
        print(
            f"8 clients: {search.THROUGHPUT[0]:.1f} requests/s; outside Elasticsearch median "
            f"{statistics.median(search.OUTSIDE_ENGINE) * 1000:.1f}, p95 {p95(search.OUTSIDE_ENGINE) * 1000:.1f} ms"
        )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
