"""Deal registration benchmark: the conflict check and the whole registration
request (Django test client, full middleware stack), median and p95.

Run it against its own PostgreSQL database, seeded at the target scale
(1,000,000 registrations across 5,000 partners; seeding takes a while):

    eval "$(scripts/services.sh env)"
    psql "$DATABASE_URL" -c "CREATE DATABASE prm_bench"
    # Eager Celery (no REDIS_URL); seeding publishes pages, so keep the search
    # engine, under its own index prefix.
    export DATABASE_URL="${DATABASE_URL%/*}/prm_bench" REDIS_URL= SEARCH_INDEX_PREFIX=bench
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py seed_demo --partners 5000 --deals 1000000
    .venv/bin/python bench/deals_conflict.py --runs 300

Every timed registration runs in a transaction that is rolled back, so the
benchmark can be repeated without growing the data.
"""

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "site")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.bench")

import django  # noqa: E402

django.setup()

import datetime  # noqa: E402
from decimal import Decimal  # noqa: E402

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from deals.matching import find_conflicts, normalize_company_name  # noqa: E402
from deals.models import ACTIVE_STATUSES, DealProgramSettings, DealRegistration, RoutingRule  # noqa: E402
from programs.models import Membership, PartnerOrganization, ProductLine  # noqa: E402


class Rollback(Exception):
    pass


def summary(label: str, samples: list[float]) -> str:
    samples_ms = sorted(value * 1000 for value in samples)
    p95 = statistics.quantiles(samples_ms, n=100, method="inclusive")[94]
    return f"{label:<34} median {statistics.median(samples_ms):7.2f} ms   p95 {p95:7.2f} ms   (n={len(samples_ms)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    settings.DEBUG = False  # no query log in memory
    if connection.vendor != "postgresql":
        sys.exit("The benchmark measures the PostgreSQL trigram path; set DATABASE_URL to a postgres:// URL.")
    rng = random.Random(args.seed)

    total = DealRegistration.objects.count()
    active = DealRegistration.objects.filter(status__in=ACTIVE_STATUSES).count()
    partners = PartnerOrganization.objects.count()
    print(f"{total:,} registrations ({active:,} active) across {partners:,} partners")
    if not total:
        sys.exit("No registrations: run `manage.py seed_demo --partners 5000 --deals 1000000` first.")

    membership = Membership.objects.select_related("user", "organization").filter(roles__contains=["sales"]).first()
    lines = list(ProductLine.objects.filter(code__in=["storage", "cloud-backup", "networking"]))
    threshold = DealProgramSettings.load().similarity_threshold
    # Half of the probes hit an active registration (name typo or same domain), half are new customers.
    existing = list(
        DealRegistration.objects.filter(status__in=ACTIVE_STATUSES)
        .order_by("?")
        .values("company_name", "domain", "country")[: args.runs]
    )

    def probe(index: int) -> dict:
        if index % 2 and existing:
            row = existing[index % len(existing)]
            name = row["company_name"] if index % 4 == 1 else row["company_name"].replace("0", "o", 1)
            return {"company_name": name, "domain": row["domain"] if index % 4 == 3 else "", "country": row["country"]}
        word = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(8))
        return {"company_name": f"{word.title()} Holdings Ltd", "domain": f"{word}.example", "country": "US"}

    check_times = []
    conflicts_found = 0
    for index in range(args.runs):
        customer = probe(index)
        with transaction.atomic():
            started = time.perf_counter()
            matches = find_conflicts(
                normalized_name=normalize_company_name(customer["company_name"]),
                domain=customer["domain"],
                country=customer["country"],
                product_line_ids=[line.pk for line in lines],
                exclude_organization_id=membership.organization_id,
                threshold=threshold,
            )
            check_times.append(time.perf_counter() - started)
        conflicts_found += bool(matches)

    client = Client()
    client.force_login(membership.user)
    request_times = []
    statuses = set()
    close = (timezone.localdate() + datetime.timedelta(days=60)).isoformat()
    for index in range(args.runs):
        customer = probe(index)
        data = {
            "idempotency_key": uuid.uuid4().hex,
            **customer,
            "product_lines": [lines[index % len(lines)].pk],
            "estimated_value": str(Decimal(rng.randrange(1000, 90000))),
            "currency": "USD",
            "expected_close_date": close,
            "stage": "qualified",
            "contact_name": "Bench Contact",
        }
        try:
            with transaction.atomic():
                RoutingRule.objects.create(name="bench: approve", action="approve", require_no_conflict=True)
                started = time.perf_counter()
                response = client.post("/deals/new/", data)
                request_times.append(time.perf_counter() - started)
                statuses.add(response.status_code)
                raise Rollback
        except Rollback:
            pass

    print(f"conflicts found in {conflicts_found}/{args.runs} probes; registration responses {sorted(statuses)}")
    print(summary("conflict check (find_conflicts)", check_times))
    print(summary("registration request (POST)", request_times))


if __name__ == "__main__":
    main()
