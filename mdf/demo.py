"""MDF demo data for ``seed_demo``: activity types, the current quarter's
program with tier terms, approval rules, allocations for every active
partner, and one demo partner's requests and claims in every state; plus
bulk requests for benchmarks. Everything goes through the services except
the bulk rows."""

import datetime
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.utils import timezone
from wagtail.models import Locale

from deals.models import DealRegistration
from programs.models import Membership, PartnerOrganization, Tier

from .models import (
    ActivityType,
    Allocation,
    AllocationMethod,
    ApprovalAction,
    ApprovalRule,
    FundRequest,
    LedgerEntry,
    LedgerKind,
    MdfProgram,
    RequestStatus,
)
from .services.allocations import allocations_generate
from .services.claims import activity_link_deal, claim_approve, claim_pay, claim_reject, claim_submit
from .services.requests import (
    request_approve,
    request_ask_changes,
    request_cancel,
    request_reject,
    request_submit,
)

ACTIVITY_TYPES = [
    ("event", "Event", None),
    ("webinar", "Webinar", None),
    ("digital-campaign", "Digital campaign", None),
    ("content-syndication", "Content syndication", Decimal("75")),
    ("trade-show", "Trade show", None),
]
#: tier rank -> fixed allocation for the quarter
TIER_AMOUNTS = {1: Decimal("2000"), 2: Decimal("10000"), 3: Decimal("25000"), 4: Decimal("60000")}
DEMO_PROOF = b"%PDF-1.4\n% demo invoice\n%%EOF\n"


def _quarter(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    first_month = 3 * ((today.month - 1) // 3) + 1
    start = today.replace(month=first_month, day=1)
    end_month = first_month + 2
    next_start = start.replace(year=start.year + 1, month=1) if end_month == 12 else start.replace(month=end_month + 1)
    return start, next_start - datetime.timedelta(days=1)


def _demo_budget(locale) -> Decimal:
    """What the fixed tier amounts come to for today's active partners, plus a
    fifth held back for adjustments."""
    ranks = PartnerOrganization.objects.filter(status="active", tier__locale=locale).values_list(
        "tier__rank", flat=True
    )
    total = sum((TIER_AMOUNTS.get(rank, Decimal("1000")) for rank in ranks), Decimal("0"))
    return max(Decimal("100000"), (total * Decimal("1.2")).quantize(Decimal("1000")))


@transaction.atomic
def seed_mdf_demo(*, demo_organization: PartnerOrganization | None = None) -> MdfProgram | None:
    """The demo program (once) and the demo partner's requests in every state."""
    if MdfProgram.objects.exists():
        return None
    locale = Locale.get_default()
    types = {}
    for code, name, percent in ACTIVITY_TYPES:
        types[code], _created = ActivityType.objects.get_or_create(
            code=code, locale=locale, defaults={"name": name, "reimbursement_percent": percent}
        )
    start, end = _quarter(timezone.localdate())
    program = MdfProgram(
        name=f"MDF Q{(start.month - 1) // 3 + 1} {start.year}",
        starts_on=start,
        ends_on=end,
        budget=_demo_budget(locale),
        currency="USD",
        allocation_method=AllocationMethod.FIXED_PER_TIER,
        reimbursement_percent=Decimal("50"),
        claim_deadline_days=45,
    )
    program.save()
    program.activity_types.set(types.values())
    for tier in Tier.objects.filter(locale=locale, retired=False):
        program.tier_terms.create(tier=tier, fixed_amount=TIER_AMOUNTS.get(tier.rank, Decimal("1000")))
    program.save()
    small = ApprovalRule(
        name="Small webinars and campaigns",
        max_amount=Decimal("1000"),
        currency=program.currency,
        sort_order=1,
        action=ApprovalAction.AUTO_APPROVE,
    )
    small.save()
    small.activity_types.set([types["webinar"], types["digital-campaign"]])
    small.save()
    ApprovalRule.objects.create(name="Everything else: the channel manager", action=ApprovalAction.REVIEW, sort_order=2)
    allocations_generate(program=program, actor=None)
    if demo_organization is not None:
        _requests_in_every_state(demo_organization, types, start, end)
    return program


def _requests_in_every_state(organization, types, start, end) -> None:
    memberships = Membership.objects.filter(organization=organization, is_active=True).select_related("user")
    # Filtered in Python: JSON containment is not available on SQLite (make run).
    user = next((m.user for m in memberships if "marketing" in m.roles), None)
    reviewer = organization.channel_account_manager or get_user_model().objects.filter(is_superuser=True).first()
    today = timezone.localdate()
    day = max(start, min(today, end))

    def submit(title, code, requested, planned=None):
        return request_submit(
            organization=organization,
            submitted_by=user,
            activity_type=types[code],
            title=title,
            description=f"{title}: agenda, audience and follow-up plan.",
            starts_on=day,
            ends_on=day,
            planned_cost=planned or requested * 2,
            requested_amount=requested,
            expected_leads=40,
            expected_pipeline=requested * 20,
        )

    submit("Partner summit booth", "trade-show", Decimal("6000"))  # waiting for the CAM
    request_ask_changes(request=submit("Roadshow", "event", Decimal("3000")), actor=reviewer, reason="Add the venue.")
    request_reject(request=submit("Golf day", "event", Decimal("2500")), actor=reviewer, reason="Not eligible.")
    request_cancel(request=submit("LinkedIn ads", "digital-campaign", Decimal("800")), actor=user, reason="Postponed")
    submit("Backup webinar", "webinar", Decimal("900"))  # approved at once, to claim

    def claimed(title, code, amount):
        request = submit(title, code, amount)
        if request.status != RequestStatus.APPROVED:
            request_approve(request=request, actor=reviewer)
        return claim_submit(
            request=request,
            submitted_by=user,
            actual_cost=amount * 2,
            claimed_amount=amount,
            proofs=[SimpleUploadedFile("invoice.pdf", DEMO_PROOF)],
            today=day,
        )

    claimed("Storage newsletter", "content-syndication", Decimal("1000"))  # claim waiting for review
    approved = claimed("Cloud webinar series", "webinar", Decimal("700"))
    claim_approve(claim=approved, actor=reviewer)  # payable
    paid = claimed("Data protection seminar", "event", Decimal("1500"))
    claim_approve(claim=paid, actor=reviewer, amount=Decimal("1200"), reason="Catering is not eligible.")
    claim_pay(claim=paid, actor=reviewer, reference="DEMO-0001", paid_on=day)
    # Two of the partner's registrations came from the seminar: the MDF report's return columns have figures.
    for deal in DealRegistration.objects.filter(organization=organization, currency=paid.request.currency)[:2]:
        activity_link_deal(request=paid.request, deal=deal, actor=user)
    refused = claimed("Sponsored dinner", "event", Decimal("500"))
    claim_reject(claim=refused, actor=reviewer, reason="No proof of attendance.")


def seed_bulk_requests(total: int, *, batch: int = 5000) -> None:
    """``total`` approved requests spread over the allocations of the newest
    program, with their committed ledger lines (bulk inserts, for benchmarks)."""
    program = MdfProgram.objects.order_by("-starts_on").first()
    if program is None or total <= 0:
        return
    existing = FundRequest.objects.count()
    allocations = list(Allocation.objects.filter(program=program).values_list("pk", "organization_id"))
    types = list(ActivityType.objects.filter(locale=Locale.get_default()).values_list("pk", flat=True))
    if not allocations or not types:
        return
    rng = random.Random(13)  # noqa: S311 - demo data, not security
    remaining = total - existing
    while remaining > 0:
        size = min(batch, remaining)
        rows = []
        for index in range(size):
            allocation_id, organization_id = allocations[(existing + index) % len(allocations)]
            amount = Decimal(rng.randrange(1, 20)) * Decimal("10")
            rows.append(
                FundRequest(
                    organization_id=organization_id,
                    allocation_id=allocation_id,
                    activity_type_id=types[index % len(types)],
                    title=f"Bulk activity {existing + index}",
                    description="Benchmark row",
                    starts_on=program.starts_on,
                    ends_on=program.starts_on,
                    planned_cost=amount * 2,
                    requested_amount=amount,
                    committed_amount=amount,
                    currency=program.currency,
                    status=RequestStatus.APPROVED,
                    claim_deadline=program.ends_on,
                )
            )
        with transaction.atomic():
            created = FundRequest.objects.bulk_create(rows)
            LedgerEntry.objects.bulk_create(
                [
                    LedgerEntry(
                        allocation_id=row.allocation_id,
                        organization_id=row.organization_id,
                        kind=LedgerKind.COMMITTED,
                        amount=row.requested_amount,
                        currency=row.currency,
                        request_id=row.pk,
                    )
                    for row in created
                ]
            )
        existing += size
        remaining -= size
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE mdf_fundrequest, mdf_ledgerentry")
