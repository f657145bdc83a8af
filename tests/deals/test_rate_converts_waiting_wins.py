"""A confirmed win in another currency counts for nothing until an exchange
rate converts it: saving that rate converts it on the worker (the deal's
audit trail says who and when) and the tier is re-evaluated, with no manual
"convert" step left for channel ops."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from deals.models import DealEvent, DealEventKind, DealRegistration, RoutingRule
from deals.services import deal_update_stage
from deals.tasks import convert_wins_for_rate
from programs.models import ExchangeRate, TierChange
from programs.services.exchange import exchange_rate_record
from programs.services.tiers import tier_rules_record
from tests.factories import OrganizationFactory, PartnerUserFactory, TierFactory, UserFactory
from tests.factories.deals import RoutingRuleFactory, confirmed_outcome, register_deal

QUEUE = "/admin/deals/registrations/"
WAITING = "won deals do not count toward tiers: no exchange rate from EUR to USD"


def today():
    return timezone.localdate()


def won(seller, *, amount, currency, closed_on):
    """Reported won by the partner, then confirmed by channel ops."""
    if not RoutingRule.objects.exists():
        RoutingRuleFactory()
    deal = register_deal(seller.membership.organization, seller, currency=currency, domain=f"{uuid.uuid4().hex[:8]}.io")
    deal = deal_update_stage(deal=deal, actor=seller, stage="won", final_amount=Decimal(amount), closed_on=closed_on)
    return confirmed_outcome(deal)


def ladder():
    """Registered, then Gold from 50,000 USD of won revenue."""
    registered = TierFactory(name="Registered", rank=1, requires_signed_agreement=False)
    gold = TierFactory(name="Gold", rank=2, min_won_revenue=Decimal("50000"), requires_signed_agreement=False)
    for tier in (registered, gold):
        tier_rules_record(tier=tier)
    return registered, gold


def channel_ops():
    user = UserFactory(username="ops-anna", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            codename__in=[
                "access_admin",
                "change_dealregistration",
                "view_dealregistration",
                "view_all_partner_records",
            ]
        )
    )
    return user


def tier_evaluations_done(worker) -> int:
    """Tier evaluations the worker finished so far (its log is the session's)."""
    return sum(
        "programs.tasks.evaluate_organization_tier[" in line and " succeeded in " in line
        for line in worker.log_path.read_text(errors="replace").splitlines()
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rate_saved_in_the_admin_converts_the_waiting_win_and_moves_the_tier(client, celery_worker, wait_for):
    registered, gold = ladder()
    seller = PartnerUserFactory(organization=OrganizationFactory(name="Northwind", tier=registered), roles=["owner"])
    organization = seller.membership.organization
    closed_on = today() - datetime.timedelta(days=10)
    evaluations_before = tier_evaluations_done(celery_worker)
    won(seller, amount="17000.00", currency="USD", closed_on=today())
    euro_win = won(seller, amount="30000.00", currency="EUR", closed_on=closed_on)
    assert euro_win.program_amount is None  # no EUR rate yet: it counts for nothing
    # The confirmations' evaluations ran and left the tier (17,000 USD counted):
    # the next tier change can only come from the conversion.
    wait_for(
        lambda: tier_evaluations_done(celery_worker) >= evaluations_before + 2,
        timeout=30,
        message="the worker to evaluate the tier after both confirmations",
    )
    assert not TierChange.objects.filter(organization=organization).exists()
    client.force_login(channel_ops())
    assert f"1 {WAITING}" in client.get(QUEUE).content.decode()
    finance = UserFactory(username="finance-farid", groups=["Finance"])
    client.force_login(finance)
    saved_at = timezone.now()

    response = client.post(
        "/admin/snippets/programs/exchangerate/add/",
        {"source_currency": "EUR", "target_currency": "USD", "rate": "1.10", "valid_from": closed_on.isoformat()},
    )

    assert response.status_code == 302
    converted = wait_for(
        lambda: DealEvent.objects.filter(deal=euro_win, kind=DealEventKind.CONVERTED).first(),
        timeout=30,
        message="the worker to convert the EUR win with the new rate",
    )
    euro_win.refresh_from_db()
    # 30,000 EUR × 1.10 = 33,000.00 USD, with the rate and its first day recorded.
    assert (euro_win.program_amount, euro_win.program_currency) == (Decimal("33000.00"), "USD")
    assert (euro_win.exchange_rate, euro_win.exchange_rate_date) == (Decimal("1.10"), closed_on)
    assert (converted.actor, converted.after["program_amount"]) == (finance, "33000.00")
    assert converted.at >= saved_at
    assert f"Converted when the exchange rate EUR→USD 1.1 from {closed_on.isoformat()} was saved." == converted.note
    # 17,000 + 33,000 = 50,000 USD: Gold, as a confirmation would have done.
    change = wait_for(
        lambda: TierChange.objects.filter(organization=organization, to_tier=gold).first(),
        timeout=30,
        message="the worker to re-evaluate the tier with the converted win",
    )
    assert (change.from_tier, change.reason) == (registered, "Deal converted to the program currency")
    assert change.metrics["won_revenue"] == "50000.00"
    client.force_login(channel_ops())
    assert WAITING not in client.get(QUEUE).content.decode()


@pytest.fixture
def waiting_win(db):
    seller = PartnerUserFactory(organization=OrganizationFactory(name="Northwind"), roles=["owner"])
    return won(seller, amount="30000.00", currency="EUR", closed_on=today() - datetime.timedelta(days=10))


@pytest.mark.parametrize(
    ("source", "target", "days_after_the_close"),
    [("GBP", "USD", -30), ("EUR", "CAD", -30), ("EUR", "USD", 1)],
    ids=["other-currency", "not-the-program-currency", "in-force-only-after-the-close-date"],
)
def test_a_rate_no_waiting_win_needs_queues_nothing(
    waiting_win, django_capture_on_commit_callbacks, source, target, days_after_the_close
):
    valid_from = waiting_win.closed_on + datetime.timedelta(days=days_after_the_close)
    with django_capture_on_commit_callbacks() as queued:
        exchange_rate_record(
            rate=ExchangeRate(
                source_currency=source, target_currency=target, rate=Decimal("1.2"), valid_from=valid_from
            )
        )
    assert queued == []
    waiting_win.refresh_from_db()
    assert waiting_win.program_amount is None


def test_the_rate_a_win_waits_for_queues_its_conversion_once_and_converting_twice_records_it_once(
    waiting_win, django_capture_on_commit_callbacks
):
    finance = UserFactory(username="finance-farid")
    with django_capture_on_commit_callbacks() as queued:
        rate = exchange_rate_record(
            rate=ExchangeRate(
                source_currency="EUR", target_currency="USD", rate=Decimal("1.2"), valid_from=waiting_win.closed_on
            ),
            user=finance,
        )
    assert len(queued) == 1

    args = ("EUR", "USD", rate.valid_from.isoformat(), finance.pk, "EUR→USD 1.2")
    convert_wins_for_rate(*args)  # what the queued task runs
    convert_wins_for_rate(*args)  # a retried task

    waiting_win.refresh_from_db()
    assert waiting_win.program_amount == Decimal("36000.00")
    events = DealEvent.objects.filter(deal=waiting_win, kind=DealEventKind.CONVERTED)
    assert [(event.actor, event.note) for event in events] == [
        (finance, "Converted when the exchange rate EUR→USD 1.2 was saved.")
    ]
    # Converted now: saving the rate again queues nothing.
    with django_capture_on_commit_callbacks() as queued_again:
        exchange_rate_record(rate=rate, user=finance)
    assert queued_again == []
    assert DealRegistration.objects.get(pk=waiting_win.pk).exchange_rate == Decimal("1.2")
