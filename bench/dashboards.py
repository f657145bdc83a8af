"""Dashboards benchmark: the partner dashboard (each role), the scorecard,
the CAM portfolio on the admin home and the whole portfolio page for channel
ops, through HTTP (Django test client, full middleware stack): median, p95
and queries per request.

Run it against its own PostgreSQL database, seeded at the target scale
(5,000 partners, 1,000,000 deals; the benchmark adds a year of activity
events, --events-per-person each, and rebuilds the rollup once):

    eval "$(scripts/services.sh env)"
    psql "$DATABASE_URL" -c "CREATE DATABASE prm_bench"
    export DATABASE_URL="${DATABASE_URL%/*}/prm_bench" REDIS_URL= SEARCH_INDEX_PREFIX=bench
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py seed_demo --partners 5000 --deals 1000000
    .venv/bin/python bench/dashboards.py --runs 200

Targets (printed beside the figures, not asserted): partner dashboard and
scorecard p95 ≤ 150 ms, CAM portfolio p95 ≤ 300 ms.
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "site")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from analytics.models import ActivityEvent, ActivityKind  # noqa: E402
from analytics.services import activity_rollup_refresh  # noqa: E402
from programs.models import Membership, PartnerOrganization, PartnerRole  # noqa: E402


def summary(label: str, samples: list[float], queries: list[int], target_ms: float | None) -> str:
    samples_ms = sorted(value * 1000 for value in samples)
    p95 = statistics.quantiles(samples_ms, n=100, method="inclusive")[94]
    verdict = (
        "" if target_ms is None else f"; target p95 ≤ {target_ms:.0f} ms: {'within' if p95 <= target_ms else 'OVER'}"
    )
    return (
        f"{label:<30} median {statistics.median(samples_ms):7.2f} ms   p95 {p95:7.2f} ms   "
        f"queries {statistics.median(queries):4.0f} (n={len(samples_ms)}{verdict})"
    )


def timed_get(client: Client, url: str) -> tuple[float, int]:
    # The log keeps 9,000 queries: emptied first, so each request is counted whole.
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get(url, HTTP_HOST="localhost")
        elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"GET {url} answered {response.status_code}")
    return elapsed, len(captured.captured_queries)


def seed_activity(events_per_person: int) -> None:
    """A year of events for every active partner person, spread at random
    (in SQL: a million rows would take minutes through the ORM)."""
    people = Membership.objects.filter(is_active=True).count()
    if ActivityEvent.objects.count() >= people * events_per_person // 2:
        return
    kinds = [kind.value for kind in ActivityKind]
    table = ActivityEvent._meta.db_table
    membership = Membership._meta.db_table
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {table} (organization_id, user_id, kind, object_id, at)
                SELECT m.organization_id, m.user_id, (%s::text[])[1 + floor(random() * %s)::int], NULL,
                       now() - random() * interval '365 days'
                FROM {membership} m CROSS JOIN generate_series(1, %s)
                WHERE m.is_active""",  # noqa: S608 - table names from _meta
            [kinds, len(kinds), events_per_person],
        )
    today = timezone.now().astimezone(datetime.UTC).date()
    activity_rollup_refresh(start=today - datetime.timedelta(days=366), end=today)
    seconds = time.perf_counter() - started
    print(f"Seeded {ActivityEvent.objects.count():,} activity events and their rollup in {seconds:.0f} s")


def staff_client(user) -> Client:
    client = Client()
    client.force_login(user)
    # The admin asks staff for a second factor: the benchmark's session has passed it.
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="benchmark", confirmed=True
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def measure(label, clients, url, runs, target_ms, rng):
    results = [timed_get(rng.choice(clients), url) for _ in range(runs)]
    print(summary(label, [elapsed for elapsed, _ in results], [count for _, count in results], target_ms))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--events-per-person", type=int, default=100)
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    rng = random.Random(args.seed)  # noqa: S311 - sampling, not security
    if not PartnerOrganization.objects.exists():
        sys.exit("No partners: run `manage.py seed_demo --partners 5000 --deals 1000000` first.")
    seed_activity(args.events_per_person)
    print(
        f"Data: {PartnerOrganization.objects.count():,} organizations, "
        f"{ActivityEvent.objects.count():,} activity events"
    )
    members = list(
        Membership.objects.filter(is_active=True, organization__status="active").select_related("user")[:5000]
    )
    for role in PartnerRole:
        holders = [member for member in members if role.value in member.roles]
        if not holders:
            print(f"dashboard ({role.value}): no demo person holds this role")
            continue
        clients = []
        for member in rng.sample(holders, min(len(holders), 20)):
            client = Client()
            client.force_login(member.user)
            clients.append(client)
        measure(f"dashboard ({role.value})", clients, "/dashboard/", args.runs, 150, rng)
        if role == PartnerRole.OWNER:
            measure("scorecard (owner)", clients, "/scorecard/", args.runs, 150, rng)
    cam_row = (
        PartnerOrganization.objects.exclude(channel_account_manager=None)
        .values("channel_account_manager")
        .annotate(partners=Count("pk"))
        .order_by("-partners")
        .first()
    )
    if cam_row is None:
        print("CAM admin home: no organization has a channel account manager in this data set")
    else:
        cam = get_user_model().objects.get(pk=cam_row["channel_account_manager"])
        label = f"CAM admin home ({cam_row['partners']} partners)"
        measure(label, [staff_client(cam)], "/admin/", max(20, args.runs // 4), 300, rng)
    superuser = get_user_model().objects.filter(is_superuser=True).first()
    if superuser:
        channel_ops = [staff_client(superuser)]
        measure("channel ops admin home (all)", channel_ops, "/admin/", max(20, args.runs // 4), 300, rng)
        measure(
            "channel ops portfolio page",
            channel_ops,
            "/admin/analytics/portfolio/",
            max(10, args.runs // 10),
            None,
            rng,
        )


if __name__ == "__main__":
    main()
