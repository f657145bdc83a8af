"""Channel ops reopen a confirmed won or lost deal: the audit trail says who,
when and why; a reopened win's accruals are reversed (never edited) on the
next statement, its rebate period settled again and the tier re-evaluated;
partners and reviewers of other portfolios are refused."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from deals.models import DealClaim, DealEventKind, DealStage, DealStatus
from deals.services import deal_approve, deal_correct_outcome, deal_reopen, deal_update_stage
from incentives.models import LedgerLine, LineKind, StatementStatus
from incentives.services.accruals import deal_accruals_compute, rebates_compute
from incentives.services.statements import statement_approve, statement_totals, statements_generate
from programs.models import TierChange
from programs.services.tiers import tier_progress, tier_rules_record
from tests.factories import OrganizationFactory, PartnerUserFactory, TierFactory, UserFactory
from tests.factories.deals import RoutingRuleFactory, confirmed_outcome, register_deal
from tests.factories.incentives import incentive_program, won_deal
from tests.factories.programs import ProductLineFactory

D = datetime.date
MARCH_END = D(2026, 3, 31)
APRIL_END = D(2026, 4, 30)
REASON = "Customer withdrew the purchase order"


def reviewer(*, username="ops-anna", sees_everyone=True):
    """Channel ops (or a CAM without ``sees_everyone``): reviews registrations in the admin."""
    codenames = ["access_admin", "change_dealregistration", "view_dealregistration", "confirm_deal_outcome"]
    if sees_everyone:
        codenames.append("view_all_partner_records")
    user = UserFactory(username=username, is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


def won(partner, amount, closed_on):
    """A win confirmed (and accrued) on the day it closed."""
    with time_machine.travel(datetime.datetime.combine(closed_on, datetime.time(12), tzinfo=datetime.UTC)):
        deal = won_deal(partner, amount=amount, closed_on=closed_on)
        deal_accruals_compute(deal_id=deal.pk)
    return deal


def lines_of(**filters):
    return [(line.kind, line.earned_on, line.amount) for line in LedgerLine.objects.filter(**filters).order_by("pk")]


@pytest.fixture
def gold(db):
    return TierFactory(name="Gold")


@pytest.fixture
def partner(gold):
    return OrganizationFactory(name="Northwind Resellers", tier=gold)


@pytest.fixture
def ladder(db):
    """Registered, then Silver from 50,000 won in 2 deals (no agreement needed)."""
    registered = TierFactory(name="Registered", rank=1, requires_signed_agreement=False)
    silver = TierFactory(
        name="Silver", rank=2, min_won_revenue=Decimal("50000"), min_won_deals=2, requires_signed_agreement=False
    )
    for tier in (registered, silver):
        tier_rules_record(tier=tier)
    return registered, silver


@pytest.fixture
def march_issued(partner, gold):
    """Q1 settled and March's statement approved: 5 % commission and a
    quarterly rebate of 2 % from 250,000 and 3 % from 500,000."""
    commission = incentive_program(name="Commission", tier_rates={gold: "5"})
    rebate = incentive_program(
        "rebate", name="Volume rebate", rebate_period="quarterly", steps=[("250000", "2"), ("500000", "3")]
    )
    won(partner, "420000.00", D(2026, 2, 10))
    late_march = won(partner, "100000.00", D(2026, 3, 30))
    rebates_compute(period_end=MARCH_END)
    [march] = statements_generate(period_end=MARCH_END)
    finance = UserFactory(username="finance-farid")
    finance.groups.add(Group.objects.get(name="Finance"))
    statement_approve(statement=march, actor=finance)
    return {"commission": commission, "rebate": rebate, "late_march": late_march, "march": march}


@pytest.mark.django_db
def test_reopening_a_won_deal_records_who_when_why_and_reverses_its_accruals(client, march_issued, partner):
    deal, commission, rebate, march = (march_issued[k] for k in ("late_march", "commission", "rebate", "march"))
    issued = sorted(march.lines.values_list("pk", "amount"))
    anna = reviewer()
    before = timezone.now()

    deal_reopen(deal=deal, actor=anna, reason=f"  {REASON}  ")

    deal.refresh_from_db()
    assert (deal.status, deal.stage, deal.final_amount, deal.closed_on) == (
        DealStatus.APPROVED,
        DealStage.NEGOTIATION,
        None,
        None,
    )
    assert (deal.program_amount, deal.program_currency) == (None, "")
    assert deal.protected_until > timezone.now() + datetime.timedelta(days=1)
    assert DealClaim.objects.filter(deal=deal).exists()  # protected again
    event = deal.events.get(kind=DealEventKind.REOPENED)
    assert (event.actor, event.note, event.from_status, event.to_status) == (
        anna,
        REASON,
        DealStatus.WON,
        DealStatus.APPROVED,
    )
    assert event.at >= before
    assert (event.before["final_amount"], event.before["closed_on"]) == ("100000.00", "2026-03-30")
    assert (event.after["final_amount"], event.after["closed_on"]) == (None, None)
    assert REASON in event.partner_note

    # What the worker runs for the event: reversals, never edits.
    written = deal_accruals_compute(deal_id=deal.pk, event_id=event.pk)

    assert lines_of(deal=deal, program=commission) == [
        (LineKind.ACCRUAL, D(2026, 3, 30), Decimal("5000.00")),
        (LineKind.REVERSAL, D(2026, 3, 30), Decimal("-5000.00")),
    ]
    # Q1 now holds 420,000: the 3 % rebate is reversed and the 2 % one written.
    assert lines_of(program=rebate, organization=partner) == [
        (LineKind.REBATE, MARCH_END, Decimal("15600.00")),
        (LineKind.REVERSAL, MARCH_END, Decimal("-15600.00")),
        (LineKind.REBATE, MARCH_END, Decimal("8400.00")),
    ]
    assert len(written) == 3
    for line in written:
        assert (line.created_by, line.deal_event) == (anna, event)
        assert REASON in line.note and f"event {event.pk} (reopened" in line.note
    assert deal_accruals_compute(deal_id=deal.pk, event_id=event.pk) == []  # a retried task writes nothing

    # The approved March statement is untouched; the reversals land on April's.
    march.refresh_from_db()
    assert march.status == StatementStatus.APPROVED
    assert sorted(march.lines.values_list("pk", "amount")) == issued
    [april] = statements_generate(period_end=APRIL_END)
    assert [(total.currency, total.amount) for total in statement_totals(statement=april)] == [
        ("USD", Decimal("-12200.00"))  # -5,000 - 15,600 + 8,400
    ]
    # The partner's statement says why each line is there.
    client.force_login(PartnerUserFactory(organization=partner, roles=["finance"]))
    page = client.get(reverse("incentives:statement_detail", args=[april.pk])).content.decode()
    assert page.count(f"after the correction of {deal.company_name}") == 3


@pytest.mark.django_db
def test_a_reopened_deal_can_be_won_again_and_accrues_anew(march_issued):
    deal, commission = march_issued["late_march"], march_issued["commission"]
    anna = reviewer()
    deal_reopen(deal=deal, actor=anna, reason=REASON)
    deal_accruals_compute(deal_id=deal.pk, event_id=deal.events.get(kind=DealEventKind.REOPENED).pk)

    with time_machine.travel(datetime.datetime(2026, 4, 20, 12, tzinfo=datetime.UTC)):
        deal_update_stage(
            deal=deal, actor=anna, stage="won", final_amount=Decimal("80000.00"), closed_on=D(2026, 4, 20)
        )
        deal_accruals_compute(deal_id=deal.pk)

    assert lines_of(deal=deal, program=commission) == [
        (LineKind.ACCRUAL, D(2026, 3, 30), Decimal("5000.00")),
        (LineKind.REVERSAL, D(2026, 3, 30), Decimal("-5000.00")),
        (LineKind.ACCRUAL, D(2026, 4, 20), Decimal("4000.00")),
    ]


@pytest.mark.django_db
def test_reopening_a_lost_deal_writes_no_ledger_line(partner):
    incentive_program(name="Commission", default_rate="5")
    deal = won(partner, "1000.00", D(2026, 3, 2))
    anna = reviewer()
    deal_correct_outcome(deal=deal, actor=anna, reason="Customer cancelled", status=DealStatus.LOST)
    deal_accruals_compute(deal_id=deal.pk, event_id=deal.events.get(kind=DealEventKind.EDITED).pk)
    count = LedgerLine.objects.count()

    deal_reopen(deal=deal, actor=anna, reason="Customer is back")
    deal_accruals_compute(deal_id=deal.pk, event_id=deal.events.get(kind=DealEventKind.REOPENED).pk)

    deal.refresh_from_db()
    assert deal.status == DealStatus.APPROVED
    assert deal.events.get(kind=DealEventKind.REOPENED).from_status == DealStatus.LOST
    assert LedgerLine.objects.count() == count


@pytest.mark.django_db
def test_a_reopened_win_no_longer_counts_toward_the_tier(ladder):
    registered, _silver = ladder
    partner = OrganizationFactory(tier=registered)
    today = timezone.localdate()
    won_deal(partner, amount="30000.00", closed_on=today)
    second = won_deal(partner, amount="25000.00", closed_on=today)
    assert tier_progress(organization=partner).missing == []  # Silver reached

    deal_reopen(deal=second, actor=reviewer(), reason=REASON)

    assert tier_progress(organization=partner).missing == ["$20,000.00 more won revenue", "1 more won deal"]


@pytest.mark.django_db
@pytest.mark.parametrize("status", [DealStatus.APPROVED, DealStatus.REPORTED_WON])
def test_only_a_confirmed_outcome_can_be_reopened(partner, status):
    deal = won_deal(partner, amount="1000.00", closed_on=D(2026, 3, 2))
    deal.status = status
    deal.save(update_fields=["status"])
    with pytest.raises(ValidationError) as refused:
        deal_reopen(deal=deal, actor=reviewer(), reason=REASON)
    assert refused.value.messages == ["Only a confirmed won or lost deal can be reopened."]
    assert not deal.events.filter(kind=DealEventKind.REOPENED).exists()


def refused_without_a_trace(deal, actor, message):
    with pytest.raises(ValidationError) as refused:
        deal_reopen(deal=deal, actor=actor, reason=REASON)
    assert refused.value.messages == [message]
    deal.refresh_from_db()
    assert (deal.status, deal.final_amount) == (DealStatus.WON, Decimal("1000.00"))
    assert not deal.events.filter(kind=DealEventKind.REOPENED).exists()


@pytest.mark.django_db
def test_partners_other_portfolios_and_a_missing_reason_are_refused(partner):
    deal = won_deal(partner, amount="1000.00", closed_on=D(2026, 3, 2))
    refused = "Only channel operations reviewing this partner's registrations can reopen its deals."
    owner = PartnerUserFactory(organization=partner, roles=["owner"])
    owner.user_permissions.add(*Permission.objects.filter(codename__in=["change_dealregistration", "access_admin"]))
    other_cam = reviewer(username="cam-of-contoso", sees_everyone=False)
    OrganizationFactory(name="Contoso", channel_account_manager=other_cam)
    partners_cam = reviewer(username="cam-of-northwind", sees_everyone=False)
    partner.channel_account_manager = partners_cam
    partner.save()

    refused_without_a_trace(deal, owner, refused)
    refused_without_a_trace(deal, other_cam, refused)
    refused_without_a_trace(deal, UserFactory(username="no-review-permission", is_staff=True), refused)
    with pytest.raises(ValidationError) as no_reason:
        deal_reopen(deal=deal, actor=partners_cam, reason="   ")
    assert no_reason.value.message_dict == {"reason": ["Say why the deal is reopened."]}

    deal_reopen(deal=deal, actor=partners_cam, reason=REASON)  # the partner's own CAM may
    deal.refresh_from_db()
    assert deal.status == DealStatus.APPROVED


# The admin: a button on the review page, a confirmation page, a message.


QUEUE = "/admin/deals/registrations/"


def reopen_url(deal):
    return f"{QUEUE}{deal.pk}/reopen/"


@pytest.mark.django_db
def test_the_review_page_offers_reopening_and_the_confirmation_page_says_what_happens(client, march_issued):
    deal = march_issued["late_march"]
    client.force_login(reviewer())

    review = client.get(f"{QUEUE}{deal.pk}/").content.decode()
    assert "Reopen this deal" in review and reopen_url(deal) in review

    page = client.get(reopen_url(deal)).content.decode()
    assert f"Reopen {deal.company_name} (Northwind Resellers), now Won?" in page
    assert "its incentive accruals are reversed on the partner" in page
    assert "$100,000.00" in page

    missing = client.post(reopen_url(deal), {"reason": ""})
    assert missing.status_code == 200 and "Say why the deal is reopened." in missing.content.decode()
    deal.refresh_from_db()
    assert deal.status == DealStatus.WON

    done = client.post(reopen_url(deal), {"reason": REASON}, follow=True)

    assert done.redirect_chain[-1][0] == f"{QUEUE}{deal.pk}/"
    html = done.content.decode()
    assert f"{deal.company_name} is open again and protected until" in html
    assert "the partner has been told" in html
    assert REASON in html and "Reopened" in html  # in the audit trail
    assert "Reopen this deal" not in html  # approved now
    deal.refresh_from_db()
    assert deal.status == DealStatus.APPROVED
    assert client.get(reopen_url(deal)).content.decode().count("only a confirmed won or lost deal can be reopened")


@pytest.mark.django_db
def test_the_reopen_page_refuses_other_portfolios_and_partners(client, partner):
    deal = won_deal(partner, amount="1000.00", closed_on=D(2026, 3, 2))
    other_cam = reviewer(username="cam-of-contoso", sees_everyone=False)
    OrganizationFactory(name="Contoso", channel_account_manager=other_cam)
    owner = PartnerUserFactory(organization=partner, roles=["owner"])
    owner.user_permissions.add(*Permission.objects.filter(codename__in=["change_dealregistration", "access_admin"]))

    client.force_login(other_cam)
    assert client.get(reopen_url(deal)).status_code == 404
    assert client.post(reopen_url(deal), {"reason": REASON}).status_code == 404
    assert "Reopen this deal" not in client.get(QUEUE).content.decode()
    client.force_login(owner)
    assert client.get(reopen_url(deal)).status_code in (302, 403, 404)
    assert client.post(reopen_url(deal), {"reason": REASON}).status_code in (302, 403, 404)

    deal.refresh_from_db()
    assert deal.status == DealStatus.WON
    assert not deal.events.filter(kind=DealEventKind.REOPENED).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_on_the_worker_a_reopened_win_is_reversed_and_the_tier_re_evaluated(celery_worker, wait_for, ladder):
    registered, silver = ladder
    partner = OrganizationFactory(tier=registered)
    incentive_program(name="Commission", default_rate="5")
    today = timezone.localdate()
    won_deal(partner, amount="30000.00", closed_on=today)
    second = won_deal(partner, amount="25000.00", closed_on=today)
    wait_for(
        lambda: (
            TierChange.objects.filter(organization=partner, to_tier=silver).exists()
            and LedgerLine.objects.filter(deal=second, kind=LineKind.ACCRUAL).exists()
        ),
        timeout=30,
        message="the worker to accrue the second win and move the partner to Silver",
    )

    deal_reopen(deal=second, actor=reviewer(), reason=REASON)

    reversal = wait_for(
        lambda: LedgerLine.objects.filter(deal=second, kind=LineKind.REVERSAL).first(),
        timeout=30,
        message="the worker to reverse the reopened win's commission",
    )
    assert (reversal.amount, reversal.deal_event.kind) == (Decimal("-1250.00"), DealEventKind.REOPENED)
    change = wait_for(
        lambda: TierChange.objects.filter(organization=partner, reason="Deal reopened").first(),
        timeout=30,
        message="the worker to re-evaluate the tier after the reopening",
    )
    assert (change.from_tier, change.to_tier) == (silver, registered)


@pytest.mark.django_db
def test_the_reopen_page_refuses_when_another_registration_took_protection_since(client, partner):
    """Northwind's win released its protection; Contoso then registered the
    same customer and product line and was approved. Reopening Northwind's
    deal would protect one opportunity twice: the reviewer reads why, and
    nothing changes on either registration."""
    line = ProductLineFactory(name="Storage arrays")
    RoutingRuleFactory()  # auto-approves a registration without conflict
    closed = register_deal(partner, company_name="Acme, Inc.", domain="acme.com", product_lines=[line])
    closed = deal_update_stage(
        deal=closed, actor=None, stage="won", final_amount=Decimal("1000.00"), closed_on=D(2026, 3, 2)
    )
    closed = confirmed_outcome(closed)
    assert not DealClaim.objects.filter(deal=closed).exists()  # a confirmed win protects nothing
    anna = reviewer()
    contoso = register_deal(
        OrganizationFactory(name="Contoso"), company_name="Acme, Inc.", domain="acme.com", product_lines=[line]
    )
    if contoso.status != DealStatus.APPROVED:
        deal_approve(deal=contoso, actor=anna)
    contoso.refresh_from_db()
    assert contoso.status == DealStatus.APPROVED
    claims_before = sorted(DealClaim.objects.values_list("deal_id", "key", "product_line_id"))
    assert {deal_id for deal_id, _key, _line in claims_before} == {contoso.pk}
    events_before = list(closed.events.values_list("pk", "kind"))
    client.force_login(anna)

    response = client.post(reopen_url(closed), {"reason": "Customer came back"})

    assert response.status_code == 200
    html = response.content.decode()
    assert (
        "This deal cannot be reopened: another registration has taken protection for this customer and "
        "product line since it closed."
    ) in html
    assert "is open again" not in html
    closed.refresh_from_db()
    assert (closed.status, closed.stage, closed.final_amount, closed.closed_on) == (
        DealStatus.WON,
        DealStage.WON,
        Decimal("1000.00"),
        D(2026, 3, 2),
    )
    assert list(closed.events.values_list("pk", "kind")) == events_before
    assert sorted(DealClaim.objects.values_list("deal_id", "key", "product_line_id")) == claims_before
    protected_until = contoso.protected_until
    contoso.refresh_from_db()
    assert (contoso.status, contoso.protected_until) == (DealStatus.APPROVED, protected_until)
