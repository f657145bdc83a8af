r"""The requests bench/search.py's searches send to Elasticsearch, captured and
replayed: a quick way to compare two versions of the query construction
without gunicorn, the query log or the shard request cache.

    eval "$(scripts/services.sh env)"
    export ELASTICSEARCH_URL=http://127.0.0.1:29230 BENCH_DATABASE=prm_search8 BENCH_INDEX_PREFIX=s1m
    .venv/bin/python bench/search_replay.py capture before.json     # in a checkout of the old code
    .venv/bin/python bench/search_replay.py capture after.json      # in this one
    .venv/bin/python bench/search_replay.py compare before.json after.json
    .venv/bin/python bench/search_replay.py replay before.json after.json \
        --es-pid "$(cat <checkout>/.services/elasticsearch/elasticsearch.pid)"

``capture`` runs the benchmark's query mix (same seed, same user) through
``portal_search`` in this process, one reading request a search, and writes,
per search, every request body sent and what the reader gets (hits,
snippets, total, facets). ``compare``
lists the searches whose results differ. ``replay`` sends each capture's
bodies again, the captures taking turns search by search, without the
request cache, and prints the engine's ``took`` per search (the requests of
one multi-search run side by side: the slowest counts) and, given the
engine's process id, the CPU the engine spent per search (a figure the
other processes on a shared machine disturb less than ``took``).
"""

import argparse
import copy
import importlib.util
import json
import os
import random
import statistics
import sys
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FILTERS = ("type", "product_line", "language", "updated")


def _setup() -> None:
    server = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    os.environ.update(
        {
            "DATABASE_URL": f"{server}/{os.environ.get('BENCH_DATABASE', 'prm_bench_search')}",
            "SEARCH_INDEX_PREFIX": os.environ.get("BENCH_INDEX_PREFIX", "bench"),
            "DJANGO_SETTINGS_MODULE": "portal.settings.bench",
            "DEBUG": "false",
        }
    )
    sys.path[:0] = [str(REPO), str(REPO / "site")]


def _bench_module():
    """bench/search.py (its query mix), imported under another name than
    the ``search`` app's."""
    spec = importlib.util.spec_from_file_location("bench_search", REPO / "bench" / "search.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def capture(path: str, queries: int, username: str) -> None:
    _setup()
    bench = _bench_module()
    from django.contrib.auth import get_user_model

    from programs.request_memo import remembered_for_request
    from search import engine, selectors

    client = engine.get_client()
    calls: list[dict] = []

    class Recorder:
        """The client, recording each search and multi-search it sends."""

        def __getattr__(self, name):
            return getattr(client, name)

        def msearch(self, **kwargs):
            calls.append({"api": "msearch", "searches": copy.deepcopy(kwargs["searches"])})
            return client.msearch(**kwargs)

        def search(self, **kwargs):
            calls.append({"api": "search", "body": copy.deepcopy(kwargs["body"])})
            return client.search(**kwargs)

        def termvectors(self, **kwargs):
            calls.append({"api": "termvectors", "arguments": copy.deepcopy(kwargs)})
            return client.termvectors(**kwargs)

    engine.get_client = lambda **_kwargs: Recorder()
    user = get_user_model().objects.get(username=username)
    records = []
    for search_path in bench.query_mix(queries, random.Random(2026)):  # noqa: S311 (the bench's seed)
        parsed = urllib.parse.urlparse(search_path)
        language = "en" if parsed.path.startswith("/search") else parsed.path.split("/")[1]
        parameters = dict(urllib.parse.parse_qsl(parsed.query))
        calls.clear()
        # One reading request a search, as the view runs it: what the
        # process keeps between requests (the configuration, which words the
        # index holds) is kept here too.
        with remembered_for_request():
            results = selectors.portal_search(
                user=user,
                query=parameters.get("q", ""),
                filters={name: parameters.get(name, "") for name in FILTERS},
                sort="newest" if parameters.get("sort") == "newest" else "relevance",
                language=language,
            )
        records.append(
            {
                "path": search_path,
                "calls": list(calls),
                "hits": [f"{hit.kind}:{hit.object_id}" for hit in results.hits],
                "snippets": [hit.snippet for hit in results.hits],
                "total": results.total,
                "facets": results.facets,
            }
        )
    Path(path).write_text(json.dumps(records, default=str))
    print(f"{len(records)} searches, {sum(len(record['calls']) for record in records)} requests -> {path}")


def compare(first: str, second: str) -> None:
    before, after = (json.loads(Path(path).read_text()) for path in (first, second))
    differ = 0
    for old, new in zip(before, after, strict=True):
        changes = [name for name in ("hits", "snippets", "total", "facets") if old[name] != new[name]]
        if changes:
            differ += 1
            print(f"{old['path']}: {', '.join(changes)} differ")
            if "total" in changes:
                print(f"    total {old['total']} -> {new['total']}")
    print(f"{differ} of {len(before)} searches differ")


def _process_cpu_ms(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def replay(paths: list[str], repetitions: int, es_pid: int | None) -> None:
    from elasticsearch import Elasticsearch

    client = Elasticsearch(os.environ["ELASTICSEARCH_URL"], request_timeout=120)
    index = f"{os.environ.get('BENCH_INDEX_PREFIX', 'bench')}-documents"
    captures = {path: json.loads(Path(path).read_text()) for path in paths}
    took = {path: [] for path in paths}
    cpu = dict.fromkeys(paths, 0.0)

    def send(record: dict) -> int:
        milliseconds = 0
        for call in record["calls"]:
            if call["api"] == "msearch":
                searches = call["searches"]
                searches = [
                    {**part, "request_cache": False} if number % 2 == 0 else part
                    for number, part in enumerate(searches)
                ]
                answers = client.msearch(index=index, searches=searches).body["responses"]
                milliseconds += max(answer["took"] for answer in answers)
            elif call["api"] == "termvectors":
                milliseconds += client.termvectors(**{**call["arguments"], "index": index}).body["took"]
            else:
                milliseconds += client.search(index=index, body=call["body"], request_cache=False).body["took"]
        return milliseconds

    print("load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    for _ in range(repetitions):
        for number in range(len(captures[paths[0]])):
            for path in paths:
                started = _process_cpu_ms(es_pid) if es_pid else 0.0
                took[path].append(send(captures[path][number]))
                if es_pid:
                    cpu[path] += _process_cpu_ms(es_pid) - started
    for path in paths:
        values = sorted(took[path])
        p95 = statistics.quantiles(values, n=100, method="inclusive")[94]
        line = f"  {path:<40} took median {statistics.median(values):6.1f} ms, p95 {p95:6.1f} ms"
        if es_pid:
            line += f"; engine CPU per search {cpu[path] / len(values):5.1f} ms"
        print(line)
    print("load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    capturing = commands.add_parser("capture")
    capturing.add_argument("output")
    capturing.add_argument("--queries", type=int, default=100)
    capturing.add_argument("--user", default="northwind.sales")
    comparing = commands.add_parser("compare")
    comparing.add_argument("before")
    comparing.add_argument("after")
    replaying = commands.add_parser("replay")
    replaying.add_argument("captures", nargs="+")
    replaying.add_argument("--repetitions", type=int, default=2)
    replaying.add_argument("--es-pid", type=int, help="the engine's process id: print its CPU per search")
    args = parser.parse_args()
    if args.command == "capture":
        capture(args.output, args.queries, args.user)
    elif args.command == "compare":
        compare(args.before, args.after)
    else:
        replay(args.captures, args.repetitions, args.es_pid)


if __name__ == "__main__":
    main()
