"""What the MDF, incentives and dashboards benchmarks share at the issues'
scale (5,000 organizations, 1,000,000 deals, 50,000 MDF requests):

- ``ensure_bulk_people``: ``seed_demo --partners`` adds organizations without
  people, so every figure would come from the six named demo partners. One
  person per bulk organization (owner plus one other role, in turn) makes the
  benchmarks sample the whole population (bulk inserts, idempotent).
- ``ensure_cam``: no seeded organization has a channel account manager; one
  benchmark CAM gets every twentieth organization (250 at full scale).
- ``ensure_mdf_attribution``: the bulk MDF requests have no attributed
  registration, so the MDF report's pipeline and won revenue would be zero.
  One won registration in ten and one open registration in ten of every
  organization with approved activities are linked to one of them (in SQL,
  idempotent).
- ``Timer``: each measured page is timed in turn with a baseline page of the
  same stack (the partner menu, or the admin account page), so the ratio
  compares across runs on a loaded machine, and the load average is printed
  beside the figures.

This module is imported by the benchmark scripts after ``django.setup()``.
"""

import os
import statistics
import time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from programs.models import Membership, OrganizationStatus, PartnerOrganization, PartnerRole

BULK_PERSON_PREFIX = "bench.person."
BENCH_CAM = "bench.cam"
PARTNER_BASELINE = "/menu/"
ADMIN_BASELINE = "/admin/account/"
#: roles a bulk person holds besides owner, by organization id
SECOND_ROLES = [PartnerRole.SALES, PartnerRole.MARKETING, PartnerRole.TECHNICAL, PartnerRole.FINANCE]


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


def ensure_bulk_people(batch: int = 5000) -> int:
    """One person for every active organization that has none; returns how many were added."""
    User = get_user_model()
    missing = list(
        PartnerOrganization.objects.filter(status=OrganizationStatus.ACTIVE)
        .exclude(memberships__isnull=False)
        .values_list("pk", "email_domain")
    )
    for start in range(0, len(missing), batch):
        chunk = missing[start : start + batch]
        with transaction.atomic():
            users = User.objects.bulk_create(
                [
                    User(
                        username=f"{BULK_PERSON_PREFIX}{pk}",
                        email=f"owner@{domain or f'org{pk}.example'}",
                        password="!",  # noqa: S106 - unusable password: the benchmarks log in with force_login
                        first_name="Bench",
                        last_name=f"Person {pk}",
                    )
                    for pk, domain in chunk
                ]
            )
            Membership.objects.bulk_create(
                [
                    Membership(
                        user=user,
                        organization_id=pk,
                        roles=[PartnerRole.OWNER.value, SECOND_ROLES[pk % len(SECOND_ROLES)].value],
                    )
                    for user, (pk, _domain) in zip(users, chunk, strict=True)
                ]
            )
    if missing:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE auth_user, programs_membership")
    return len(missing)


def ensure_cam(every: int = 20):
    """A channel account manager for every ``every``-th organization, unless some organization has one."""
    User = get_user_model()
    existing = PartnerOrganization.objects.exclude(channel_account_manager=None).first()
    if existing is not None:
        return existing.channel_account_manager
    cam, _created = User.objects.get_or_create(
        username=BENCH_CAM, defaults={"first_name": "Bench", "last_name": "CAM", "is_staff": True}
    )
    group = Group.objects.filter(name="Channel account managers").first()
    if group is not None:
        cam.groups.add(group)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {PartnerOrganization._meta.db_table} SET channel_account_manager_id = %s WHERE id %% %s = 0",  # noqa: S608 - name from _meta
            [cam.pk, every],
        )
    return cam


#: one registration in ``MDF_LINK_EVERY`` (by id) of each status below is linked to an activity
MDF_LINK_EVERY = 10
MDF_LINKED_DEAL_STATUSES = ("won", "approved", "under_review")


def ensure_mdf_attribution() -> int:
    """Link a share of won and open registrations to their organization's
    approved MDF activities (same currency), as partners do when they
    register a deal from an activity; returns how many links were added
    (none on a second run: a registration has at most one activity). The
    registrations and their activity are picked by a hash of the id: seeded
    ids are striped across organizations, so ``id % 10`` would pick every
    registration of a tenth of them."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH activities AS (
                SELECT id, organization_id, currency,
                       ROW_NUMBER() OVER (PARTITION BY organization_id ORDER BY id) - 1 AS position,
                       COUNT(*) OVER (PARTITION BY organization_id) AS activities
                FROM mdf_fundrequest WHERE status IN ('approved', 'claimed', 'closed')
            )
            INSERT INTO mdf_activitydeal (deal_id, request_id)
            SELECT deal.id, activity.id
            FROM deals_dealregistration deal
            JOIN activities activity
                 ON activity.organization_id = deal.organization_id
                 AND activity.position = (ABS(HASHINT8(deal.id)) / %s) %% activity.activities
                 AND activity.currency = deal.currency
            WHERE deal.status = ANY(%s) AND ABS(HASHINT8(deal.id)) %% %s = 0
            ON CONFLICT (deal_id) DO NOTHING
            """,
            [MDF_LINK_EVERY, list(MDF_LINKED_DEAL_STATUSES), MDF_LINK_EVERY],
        )
        added = cursor.rowcount
        if added:
            cursor.execute("ANALYZE mdf_activitydeal")
    if added:
        # Links written with SQL send no signal: the report's per-activity figures are added up again.
        call_command("rebuild_mdf_attribution")
    return added


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


def timed_get(client: Client, url: str) -> tuple[float, int]:
    """Seconds and SQL queries of one GET (it must answer 200)."""
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get(url, HTTP_HOST="localhost")
        elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"GET {url} answered {response.status_code}")
    return elapsed, len(captured.captured_queries)


def _p95(samples_ms: list[float]) -> float:
    return statistics.quantiles(samples_ms, n=100, method="inclusive")[94]


def measure(label, clients, urls, runs, target_ms, rng, *, baseline_url=PARTNER_BASELINE, before=None) -> dict:
    """Time ``runs`` GETs of ``urls`` (a URL or a list to pick from), each
    followed by one of ``baseline_url`` with the same client (and preceded by
    ``before()`` if given: a change the GET should meet); print median, p95,
    queries, the ratio to the baseline and the load average."""
    urls = [urls] if isinstance(urls, str) else urls
    measured, baseline = [], []
    for _ in range(runs):
        client = rng.choice(clients)
        if before is not None:
            before()
        measured.append(timed_get(client, rng.choice(urls)))
        baseline.append(timed_get(client, baseline_url))
    samples = sorted(elapsed * 1000 for elapsed, _ in measured)
    base = sorted(elapsed * 1000 for elapsed, _ in baseline)
    figures = {
        "median": statistics.median(samples),
        "p95": _p95(samples),
        "queries": statistics.median(count for _, count in measured),
        "base_median": statistics.median(base),
        "base_p95": _p95(base),
    }
    verdict = (
        ""
        if target_ms is None
        else f"; target p95 ≤ {target_ms:.0f} ms: {'within' if figures['p95'] <= target_ms else 'OVER'}"
    )
    print(
        f"{label:<34} median {figures['median']:7.1f} ms   p95 {figures['p95']:7.1f} ms   "
        f"queries {figures['queries']:3.0f}   (n={runs}{verdict})\n"
        f"{'':<34} baseline {baseline_url} median {figures['base_median']:.1f} ms p95 {figures['base_p95']:.1f} ms"
        f" -> ratio median x{figures['median'] / figures['base_median']:.2f} "
        f"p95 x{figures['p95'] / figures['base_p95']:.2f}   [{load_average()}]",
        flush=True,
    )
    return figures
