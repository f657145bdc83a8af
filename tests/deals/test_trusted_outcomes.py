"""Won and lost as a partner reports them count for nothing until a vendor
user or the CRM integration confirms them (or the auto-confirm rule applies):
only confirmed outcomes move tiers and earn incentives."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.db import transaction
from django.test import Client
from django.utils import timezone
from wagtail.models import APIToken

from deals.models import DealEvent, DealProgramSettings, DealStatus, RoutingRule
from deals.services import deal_update_stage
from deals.tasks import notify_partner_of_deal_event
from incentives.models import LedgerLine
from incentives.services.accruals import deal_accruals_compute
from programs.models import TierChange
from programs.services.tiers import tier_evaluate, tier_rules_record
from support.models import Notification
from support.services.notifications import notification_email
from tests.factories import OrganizationFactory, PartnerUserFactory, TierFactory, UserFactory
from tests.factories.deals import RoutingRuleFactory, register_deal
from tests.factories.incentives import incentive_program
from tests.queued import queued_tasks

QUEUE = "/admin/deals/registrations/"
DEALS = "/api/v1/deals/"
TODAY = timezone.localdate


def ladder():
    registered = TierFactory(name="Registered", rank=1, requires_signed_agreement=False, deal_protection_days=90)
    gold = TierFactory(
        name="Gold", rank=2, min_won_revenue=Decimal("50000"), requires_signed_agreement=False, discount_percent=20
    )
    for tier in (registered, gold):
        tier_rules_record(tier=tier, effective_from=timezone.now() - datetime.timedelta(days=400))
    return registered, gold


def staff(*codenames, **fields):
    user = UserFactory(is_staff=True, **fields)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["access_admin", *codenames]))
    return user


def cam_of(organization):
    """The organization's channel account manager (the CAM group's permissions, given directly)."""
    cam = staff("change_dealregistration", "view_dealregistration", "confirm_deal_outcome")
    organization.channel_account_manager = cam
    organization.save(update_fields=["channel_account_manager"])
    return cam


def approved_deal(organization, seller, *, currency="USD", stage="negotiation"):
    """A registration approved by the auto-approve rule, at ``stage``."""
    if not RoutingRule.objects.exists():
        RoutingRuleFactory()
    name = uuid.uuid4().hex[:10]
    deal = register_deal(organization, seller, currency=currency, company_name=f"Customer {name}", domain=f"{name}.io")
    return deal_update_stage(deal=deal, actor=seller, stage=stage) if stage != deal.stage else deal


def report_won(deal, seller, amount="120000.00"):
    return deal_update_stage(deal=deal, actor=seller, stage="won", final_amount=Decimal(amount), closed_on=TODAY())


def reported_win(organization, seller, *, amount="120000.00", currency="USD", stage="negotiation"):
    """An approved registration the partner reports won today."""
    return report_won(approved_deal(organization, seller, currency=currency, stage=stage), seller, amount)


@pytest.fixture
def partner():
    registered, gold = ladder()
    organization = OrganizationFactory(name="Northwind", tier=registered)
    seller = PartnerUserFactory(organization=organization, roles=["sales"], email="seller@northwind.example")
    return organization, seller, gold


@pytest.mark.django_db
def test_a_reported_big_win_changes_no_tier_and_accrues_nothing(client, partner, django_capture_on_commit_callbacks):
    organization, seller, _gold = partner
    incentive_program(default_rate="5")

    deal = approved_deal(organization, seller)
    with django_capture_on_commit_callbacks() as callbacks:
        deal = report_won(deal, seller)

    assert deal.status == DealStatus.REPORTED_WON
    # No tier evaluation, no accrual, no message (the analytics rollup counts only wins, not reported ones).
    assert queued_tasks(callbacks) == []
    assert tier_evaluate(organization=organization) is None
    assert deal_accruals_compute(deal_id=deal.pk) == []
    organization.refresh_from_db()
    assert organization.tier.name == "Registered"
    client.force_login(seller)
    html = client.get(f"/deals/{deal.pk}/").content.decode()
    assert "Won — awaiting confirmation" in html
    assert "until then it does not count toward your tier" in html


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_confirmation_by_the_cam_re_evaluates_the_tier_and_accrues_on_the_worker(partner, celery_worker, wait_for):
    organization, seller, gold = partner
    program = incentive_program(default_rate="5")
    cam = cam_of(organization)
    with transaction.atomic():
        deal = reported_win(organization, seller)
    client = Client()
    client.force_login(cam)

    response = client.post(f"{QUEUE}{deal.pk}/", {"action": "confirm_outcome", "reason": "Matches the invoice."})

    assert response.status_code == 302
    change = wait_for(
        lambda: TierChange.objects.filter(organization=organization).first(),
        message=f"the tier change after the confirmation (log:\n{celery_worker.log()})",
    )
    assert change.to_tier == gold and change.metrics["won_revenue"] == "120000.00"
    line = wait_for(
        lambda: LedgerLine.objects.filter(deal=deal, program=program).first(),
        message=f"the accrual of the confirmed win (log:\n{celery_worker.log()})",
    )
    assert (line.amount, line.currency) == (Decimal("6000.00"), "USD")
    deal.refresh_from_db()
    assert (deal.status, deal.program_amount, deal.program_currency) == (DealStatus.WON, Decimal("120000"), "USD")
    confirmed = DealEvent.objects.get(deal=deal, kind="outcome_confirmed")
    assert (confirmed.actor, confirmed.from_status, confirmed.to_status) == (cam, "reported_won", "won")
    assert confirmed.note == "Matches the invoice."


@pytest.mark.django_db
def test_the_partner_is_told_of_the_confirmation(partner, django_capture_on_commit_callbacks):
    organization, seller, _gold = partner
    deal = reported_win(organization, seller)
    client = Client()
    client.force_login(cam_of(organization))

    with django_capture_on_commit_callbacks() as callbacks:
        client.post(f"{QUEUE}{deal.pk}/", {"action": "confirm_outcome"})
    assert len(callbacks) >= 3  # tier evaluation, accruals, the partner's e-mail: all after commit

    notify_partner_of_deal_event(DealEvent.objects.get(deal=deal, kind="outcome_confirmed").pk)

    # Through the notification centre: the bell, and e-mail as the person chose.
    notification = Notification.objects.get(recipient=seller, category="deal_decision")
    assert notification.title == f"Deal registration {deal.company_name}: Won"
    assert notification.url == f"/deals/{deal.pk}/"
    notification_email(notification_id=notification.pk)
    [message] = mail.outbox
    assert message.to == ["seller@northwind.example"]
    assert message.subject == f"Deal registration {deal.company_name}: Won"
    assert "Confirmed: it now counts toward your tier and incentives." in message.body


@pytest.mark.django_db
def test_a_rejection_returns_the_deal_to_its_prior_state_with_the_reason(partner, django_capture_on_commit_callbacks):
    organization, seller, _gold = partner
    deal = reported_win(organization, seller, stage="negotiation")
    reviewer = cam_of(organization)
    client = Client()
    client.force_login(reviewer)

    refused = client.post(f"{QUEUE}{deal.pk}/", {"action": "reject_outcome", "reason": ""})
    assert refused.status_code == 200 and "Give the partner a reason." in refused.content.decode()
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(
            f"{QUEUE}{deal.pk}/", {"action": "reject_outcome", "reason": "No purchase order from the customer yet."}
        )

    deal.refresh_from_db()
    assert (deal.status, deal.stage, deal.final_amount, deal.closed_on) == ("approved", "negotiation", None, None)
    assert deal.claims.exists() and deal.protected_until > timezone.now()
    event = DealEvent.objects.get(deal=deal, kind="outcome_rejected")
    assert (event.actor, event.from_status, event.to_status) == (reviewer, "reported_won", "approved")
    assert queued_tasks(callbacks) == ["deals.tasks.notify_partner_of_deal_event"]  # only the partner's notification
    notify_partner_of_deal_event(event.pk)
    notice = Notification.objects.get(recipient=seller, category="deal_decision")
    assert notice.title == f"Deal registration {deal.company_name}: Reported outcome not confirmed"
    assert notice.body == "No purchase order from the customer yet."
    client.force_login(seller)
    html = client.get(f"/deals/{deal.pk}/").content.decode()
    assert "The outcome you reported was not confirmed: No purchase order from the customer yet." in html
    # The partner may report again once the order comes in.
    again = deal_update_stage(deal=deal, actor=seller, stage="won", final_amount=Decimal("90000"), closed_on=TODAY())
    assert again.status == DealStatus.REPORTED_WON


@pytest.mark.django_db
def test_wins_under_the_auto_confirm_amount_count_at_once(partner):
    organization, seller, _gold = partner
    settings = DealProgramSettings.load()
    settings.auto_confirm_wins_below = Decimal("10000")
    settings.auto_confirm_currency = "USD"
    settings.save()

    small = reported_win(organization, seller, amount="9999.99")
    large = reported_win(organization, seller, amount="10000.00")
    euros = reported_win(organization, seller, amount="500.00", currency="EUR")

    assert (small.status, large.status, euros.status) == ("won", "reported_won", "reported_won")
    confirmed = DealEvent.objects.get(deal=small, kind="outcome_confirmed")
    assert confirmed.actor is None and "auto-confirm" in confirmed.note


@pytest.mark.django_db
def test_the_auto_confirm_amount_needs_its_currency():
    settings = DealProgramSettings.load()
    settings.auto_confirm_wins_below = Decimal("10000")
    settings.auto_confirm_currency = ""
    with pytest.raises(Exception, match="Say which currency the amount is in."):
        settings.full_clean()


@pytest.mark.django_db
def test_the_crm_integration_confirms_or_rejects_and_a_partner_token_cannot(partner):
    organization, seller, gold = partner
    crm = UserFactory(username="crm")
    crm.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_all_partner_records", "confirm_deal_outcome"])
    )
    confirmed_deal = reported_win(organization, seller, amount="70000.00")
    rejected_deal = reported_win(organization, seller, amount="80000.00")

    def call(user, path, body):
        _token, plaintext = APIToken.create_token(user=user, name="CRM")
        headers = {"Authorization": f"Bearer {plaintext}"}
        return Client().post(path, body, content_type="application/json", headers=headers)

    own_report = call(seller, f"{DEALS}{confirmed_deal.pk}/confirm-outcome/", {})
    corrected = call(crm, f"{DEALS}{confirmed_deal.pk}/confirm-outcome/", {"final_amount": "68000.00"})
    rejected = call(crm, f"{DEALS}{rejected_deal.pk}/reject-outcome/", {"reason": "Lost to a competitor in the CRM."})
    twice = call(crm, f"{DEALS}{confirmed_deal.pk}/confirm-outcome/", {})

    assert own_report.status_code == 403
    assert corrected.status_code == 200, corrected.json()
    assert (corrected.json()["status"], corrected.json()["final_amount"]) == ("won", "68000.00")
    assert corrected.json()["program_amount"] == "68000.00"
    assert rejected.status_code == 200 and rejected.json()["status"] == "approved"
    assert rejected.json()["decision_reason"] == "Lost to a competitor in the CRM."
    assert twice.status_code == 400
    assert DealEvent.objects.get(deal=confirmed_deal, kind="outcome_confirmed").actor == crm
    assert tier_evaluate(organization=organization).to_tier == gold


@pytest.mark.django_db
def test_a_vendor_user_says_won_and_it_counts_at_once(partner):
    organization, _seller, gold = partner
    RoutingRuleFactory()
    deal = register_deal(organization)
    ops = staff("change_dealregistration", "confirm_deal_outcome", "view_all_partner_records")

    deal = deal_update_stage(deal=deal, actor=ops, stage="won", final_amount=Decimal("60000"), closed_on=TODAY())

    assert deal.status == DealStatus.WON
    assert tier_evaluate(organization=organization).to_tier == gold


@pytest.mark.django_db
def test_another_portfolio_can_neither_see_nor_confirm(partner):
    organization, seller, _gold = partner
    deal = reported_win(organization, seller)
    cam_of(organization)
    other_cam = cam_of(OrganizationFactory(name="Contoso"))
    other_partner = PartnerUserFactory(organization=OrganizationFactory(name="Fabrikam"), roles=["owner", "sales"])
    client = Client()
    client.force_login(other_cam)

    queue = client.get(QUEUE, {"status": "reported_won"}).content.decode()
    page = client.get(f"{QUEUE}{deal.pk}/")
    confirm = client.post(f"{QUEUE}{deal.pk}/", {"action": "confirm_outcome"})
    _token, plaintext = APIToken.create_token(user=other_partner, name="CRM")
    api = Client().post(
        f"{DEALS}{deal.pk}/confirm-outcome/",
        {},
        content_type="application/json",
        headers={"Authorization": f"Bearer {plaintext}"},
    )

    assert deal.company_name not in queue
    assert (page.status_code, confirm.status_code, api.status_code) == (404, 404, 404)
    deal.refresh_from_db()
    assert deal.status == DealStatus.REPORTED_WON


@pytest.mark.django_db
def test_a_reviewer_without_the_confirm_permission_cannot_confirm(partner):
    organization, seller, _gold = partner
    deal = reported_win(organization, seller)
    reviewer = staff("change_dealregistration", "view_all_partner_records")
    client = Client()
    client.force_login(reviewer)

    page = client.get(f"{QUEUE}{deal.pk}/").content.decode()
    refused = client.post(f"{QUEUE}{deal.pk}/", {"action": "confirm_outcome"})

    assert "You may not confirm outcomes" in page
    assert "Only channel operations or the CRM integration can confirm" in refused.content.decode()
    deal.refresh_from_db()
    assert deal.status == DealStatus.REPORTED_WON
