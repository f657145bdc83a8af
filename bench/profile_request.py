"""Where one page's time goes: a partner page requested through the Django
test client (full middleware stack) as one person, repeated, with

- wall and process CPU time per request (median), so a loaded machine's
  waiting shows as the difference;
- the SQL statements of one request grouped by their text (count, time);
- the time spent rendering the top-level template (Django's ``Template.render``
  of the response) apart from the view's own work;
- ``--profile``: cProfile of the repeated requests, the functions with the most
  cumulative and own time.

    eval "$(scripts/services.sh env)"
    DATABASE_URL=${DATABASE_URL%/*}/prm_bench REDIS_URL= SEARCH_INDEX_PREFIX=bench \\
      .venv/bin/python bench/profile_request.py /dashboard/ --role owner --runs 20 --profile

``--user`` names the person; ``--role`` takes the first active person of an
active organization holding the role (the bulk organizations' people, as the
benchmarks sample them).
"""

import argparse
import cProfile
import os
import pstats
import re
import statistics
import sys
import time
import traceback
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "site")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.bench")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.template import base as template_base  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.scale import BULK_PERSON_PREFIX, load_average  # noqa: E402
from programs.models import Membership  # noqa: E402


class TemplateTimer:
    """Seconds spent in the outermost ``Template.render`` of each request."""

    def __init__(self):
        self.seconds = 0.0
        self._depth = 0
        self._render = template_base.Template.render

    def __enter__(self):
        timer, render = self, self._render

        def timed(template, context):
            timer._depth += 1
            started = time.perf_counter()
            try:
                return render(template, context)
            finally:
                timer._depth -= 1
                if timer._depth == 0:
                    timer.seconds += time.perf_counter() - started

        template_base.Template.render = timed
        return self

    def __exit__(self, *exc):
        template_base.Template.render = self._render


def person(args):
    users = get_user_model().objects
    if args.user:
        return users.get(username=args.user)
    member = (
        Membership.objects.filter(
            is_active=True,
            organization__status="active",
            roles__contains=[args.role],
            user__username__startswith=BULK_PERSON_PREFIX,
        )
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if member is None:
        sys.exit(f"No active person with the role {args.role}")
    return member.user


def origin() -> str:
    """The innermost frames of the portal's own code that sent a statement."""
    frames = [
        f"{Path(frame.filename).relative_to(REPO)}:{frame.lineno}({frame.name})"
        for frame in traceback.extract_stack()
        if frame.filename.startswith(str(REPO)) and "/bench/" not in frame.filename and "/.venv/" not in frame.filename
    ]
    return " < ".join(reversed(frames[-3:]))


def signature(sql: str) -> str:
    """The statement with its literals replaced, to group repeats."""
    sql = re.sub(r"'[^']*'", "?", sql)
    return re.sub(r"\b\d+\b", "?", sql)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--user")
    parser.add_argument("--role", default="owner")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--profile", action="store_true", help="cProfile the requests")
    parser.add_argument("--top", type=int, default=40, help="functions to list")
    parser.add_argument("--callers", help="also list the callers of the functions matching this pattern")
    parser.add_argument("--sql", type=int, default=160, help="characters of each statement to print")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    user = person(args)
    client = Client()
    client.force_login(user)
    for _ in range(2):  # warm-up: URL resolvers, templates, per-process caches
        client.get(args.url, HTTP_HOST="localhost")

    walls, cpus, renders = [], [], []
    profiler = cProfile.Profile() if args.profile else None
    for _ in range(args.runs):
        with TemplateTimer() as templates, CaptureQueriesContext(connection) as captured:
            wall, cpu = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            response = client.get(args.url, HTTP_HOST="localhost")
            if profiler:
                profiler.disable()
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
            renders.append(templates.seconds)
        queries = list(captured.captured_queries)
        if response.status_code != 200:
            sys.exit(f"GET {args.url} answered {response.status_code}")

    origins = []

    def note_origin(execute, sql, params, many, context):
        origins.append(origin())
        return execute(sql, params, many, context)

    with connection.execute_wrapper(note_origin):
        client.get(args.url, HTTP_HOST="localhost")
    grouped = defaultdict(lambda: [0, 0.0, ""])
    for query, where in zip(queries, origins, strict=False):
        entry = grouped[signature(query["sql"])]
        entry[0] += 1
        entry[1] += float(query["time"])
        entry[2] = where
    print(
        f"{args.url} as {user.username}, {args.runs} requests, DEBUG={settings.DEBUG}: "
        f"median wall {statistics.median(walls) * 1000:.1f} ms, CPU {statistics.median(cpus) * 1000:.1f} ms, "
        f"template rendering {statistics.median(renders) * 1000:.1f} ms (wall), "
        f"{len(queries)} queries, {len(response.content):,} bytes   [{load_average()}]"
    )
    print("Queries of the last request (count, total ms, statement):")
    for sql, (count, seconds, where) in grouped.items():
        print(f"  {count:2d} {seconds * 1000:7.2f}  {where}\n        {sql[: args.sql]}")
    if profiler:
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)
        if args.callers:
            stats.print_callers(args.callers)


if __name__ == "__main__":
    main()
