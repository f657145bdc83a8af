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
scorecard p95 ≤ 150 ms, CAM portfolio p95 ≤ 300 ms, program analytics page
p95 ≤ 1 s. Every page is timed in turn with a baseline page and the ratio is
printed with the load average; before the first figures it gives one person to
every bulk organization and a benchmark CAM 250 of them (bench/scale.py,
bench/README.md). ``--only partner`` or ``--only admin`` times one side,
``--pages program,'admin home'`` only the pages whose name has one of the words.
"""

import argparse
import datetime
import os
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "site")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.bench")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from analytics.models import ActivityEvent, ActivityKind, DealDay  # noqa: E402
from analytics.services import activity_rollup_refresh  # noqa: E402
from bench.scale import ADMIN_BASELINE, ensure_bulk_people, ensure_cam, load_average, measure, staff_client  # noqa: E402
from deals.models import DealRegistration  # noqa: E402
from programs.models import Membership, PartnerOrganization, PartnerRole  # noqa: E402


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--events-per-person", type=int, default=100)
    parser.add_argument(
        "--only", choices=["partner", "admin"], help="time only the partner pages, or only the admin pages"
    )
    parser.add_argument(
        "--pages",
        default="",
        help="comma-separated words: time only the pages whose name contains one (e.g. 'program,admin home')",
    )
    args = parser.parse_args()
    if args.pages:
        global measure
        words = [word.strip() for word in args.pages.split(",") if word.strip()]
        measure_all = measure

        def measure(name, *rest, **options):
            if any(word in name for word in words):
                measure_all(name, *rest, **options)

    settings.ALLOWED_HOSTS = ["*"]
    rng = random.Random(args.seed)  # noqa: S311 - sampling, not security
    if not PartnerOrganization.objects.exists():
        sys.exit("No partners: run `manage.py seed_demo --partners 5000 --deals 1000000` first.")
    added = ensure_bulk_people()
    if added:
        print(f"Added one person to each of {added:,} organizations without people")
    cam = ensure_cam()
    seed_activity(args.events_per_person)
    if not DealDay.objects.exists():
        # Seeding loads deals with COPY (no signals): the deal rollup is built once here.
        call_command("rebuild_deal_rollup")
    print(
        f"Data: {PartnerOrganization.objects.count():,} organizations, "
        f"{DealRegistration.objects.count():,} deals, {Membership.objects.count():,} people, "
        f"{ActivityEvent.objects.count():,} activity events   [{load_average()}]"
    )
    members = list(
        Membership.objects.filter(is_active=True, organization__status="active").select_related("user")[:5000]
    )
    for role in PartnerRole if args.only != "admin" else []:
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
    if args.only == "partner":
        return
    admin_runs = max(20, args.runs // 4)
    partners = PartnerOrganization.objects.filter(channel_account_manager=cam).count()
    measure(
        f"CAM admin home ({partners} partners)",
        [staff_client(cam)],
        "/admin/",
        admin_runs,
        300,
        rng,
        baseline_url=ADMIN_BASELINE,
    )
    superuser = get_user_model().objects.filter(is_superuser=True).first()
    if superuser:
        channel_ops = [staff_client(superuser)]
        measure(
            "channel ops admin home (all)", channel_ops, "/admin/", admin_runs, 300, rng, baseline_url=ADMIN_BASELINE
        )
        measure(
            "channel ops portfolio page",
            channel_ops,
            "/admin/analytics/portfolio/",
            max(10, args.runs // 10),
            None,
            rng,
            baseline_url=ADMIN_BASELINE,
        )
        measure(
            "program analytics page",
            channel_ops,
            "/admin/analytics/program/",
            max(10, args.runs // 10),
            1000,
            rng,
            baseline_url=ADMIN_BASELINE,
        )


if __name__ == "__main__":
    main()
