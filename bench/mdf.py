"""MDF benchmark: the partner MDF home and the admin MDF report through HTTP
(Django test client, full middleware stack), median and p95; then 100
concurrent requests against one allocation: never overdrawn, and how many
succeeded.

Run it against its own PostgreSQL database, seeded at the target scale
(5,000 partners, 50,000 MDF requests, 1,000,000 deals; seeding takes a while):

    eval "$(scripts/services.sh env)"
    psql "$DATABASE_URL" -c "CREATE DATABASE prm_bench"
    export DATABASE_URL="${DATABASE_URL%/*}/prm_bench" REDIS_URL= SEARCH_INDEX_PREFIX=bench
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py seed_demo --partners 5000 --deals 1000000 --mdf-requests 50000
    .venv/bin/python bench/mdf.py --runs 200

Targets (printed beside the figures, not asserted): partner page p95 ≤ 150 ms,
report p95 ≤ 500 ms. Each page is timed in turn with a baseline page and the
ratio is printed with the load average (bench/scale.py); figures at scale are
in bench/README.md.
"""

import argparse
import os
import random
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "site")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.bench")

import django  # noqa: E402

django.setup()

from decimal import Decimal  # noqa: E402

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.exceptions import ValidationError  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.scale import (  # noqa: E402
    ADMIN_BASELINE,
    ensure_bulk_people,
    ensure_mdf_attribution,
    load_average,
    measure,
    staff_client,
)
from deals.models import DealRegistration  # noqa: E402
from mdf.models import (  # noqa: E402
    ActivityType,
    Allocation,
    ApprovalAction,
    ApprovalRule,
    FundRequest,
    LedgerEntry,
    MdfProgram,
)
from mdf.selectors import allocation_balance  # noqa: E402
from mdf.services.allocations import allocation_create  # noqa: E402
from mdf.services.requests import request_submit  # noqa: E402
from programs.models import Membership, PartnerOrganization  # noqa: E402

CONCURRENT = 100


def concurrency_run() -> tuple[int, Decimal, Decimal]:
    """100 threads request 1,000 each from one 25,500 allocation at once."""
    program = MdfProgram.objects.filter(is_active=True).order_by("-starts_on").first()
    organization = PartnerOrganization.objects.create(
        name=f"Bench concurrency {time.time_ns()}",
        partner_type_id=PartnerOrganization.objects.values_list("partner_type_id", flat=True).first(),
        region_id=PartnerOrganization.objects.values_list("region_id", flat=True).first(),
        status="active",
    )
    program.budget += Decimal("25500")
    program.save(update_fields=["budget"])
    allocation = allocation_create(
        program=program, organization=organization, amount=Decimal("25500"), actor=None, reason="Benchmark"
    )
    rule, _ = ApprovalRule.objects.get_or_create(
        name="Benchmark: approve at once", defaults={"action": ApprovalAction.AUTO_APPROVE, "sort_order": 0}
    )
    activity_type = program.activity_types.first() or ActivityType.objects.first()
    day = max(program.starts_on, min(timezone.localdate(), program.ends_on))
    barrier = threading.Barrier(CONCURRENT)
    succeeded: list[int] = []
    refused: list[int] = []

    def request_funds(index: int):
        try:
            barrier.wait(timeout=60)
            request_submit(
                organization=organization,
                submitted_by=None,
                allocation=allocation,
                activity_type=activity_type,
                title=f"Concurrent {index}",
                description="Benchmark",
                starts_on=day,
                ends_on=day,
                planned_cost=Decimal("100000"),
                requested_amount=Decimal("1000"),
            )
            succeeded.append(index)
        except ValidationError:
            refused.append(index)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=request_funds, args=(index,)) for index in range(CONCURRENT)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rule.delete()
    balance = allocation_balance(allocation=Allocation.objects.get(pk=allocation.pk))
    return len(succeeded), balance.available, balance.outstanding_commitment


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--only", choices=["partner"], help="time only the partner MDF home (no admin report, no concurrency run)"
    )
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    rng = random.Random(args.seed)  # noqa: S311 - sampling, not security
    added = ensure_bulk_people()
    if added:
        print(f"Added one person to each of {added:,} organizations without people")
    started = time.perf_counter()
    linked = ensure_mdf_attribution()
    if linked:
        print(f"Linked {linked:,} registrations to MDF activities in {time.perf_counter() - started:.0f} s")
    marketers = list(
        Membership.objects.filter(is_active=True, organization__mdf_allocations__isnull=False)
        .select_related("user")
        .distinct()[:2000]
    )
    marketers = [member for member in marketers if {"marketing", "owner"} & set(member.roles)]
    if not marketers or not FundRequest.objects.exists():
        sys.exit("No MDF data: run `manage.py seed_demo --partners 5000 --deals 1000000 --mdf-requests 50000` first.")
    print(
        f"Data: {PartnerOrganization.objects.count():,} organizations, {DealRegistration.objects.count():,} deals, "
        f"{FundRequest.objects.count():,} MDF requests, {LedgerEntry.objects.count():,} MDF ledger entries   "
        f"[{load_average()}]"
    )
    clients = []
    for member in rng.sample(marketers, min(len(marketers), 20)):
        client = Client()
        client.force_login(member.user)
        clients.append(client)
    measure("partner MDF home", clients, "/mdf/", args.runs, 150, rng)
    if args.only == "partner":
        return
    staff = get_user_model().objects.filter(is_superuser=True).first()
    measure(
        "admin MDF report",
        [staff_client(staff)],
        [f"/admin/mdf/report/?by={by}" for by in ("activity_type", "organization", "tier", "program")],
        max(20, args.runs // 4),
        500,
        rng,
        baseline_url=ADMIN_BASELINE,
    )
    succeeded, available, committed = concurrency_run()
    print(
        f"{CONCURRENT} concurrent requests of 1,000 against 25,500: {succeeded} succeeded, "
        f"committed {committed}, available {available} ({'never overdrawn' if available >= 0 else 'OVERDRAWN'})"
        f"   [{load_average()}]"
    )


if __name__ == "__main__":
    main()
