"""Channel ops configure programs and finance approves, pays and resolves
disputes in the Wagtail admin, as non-superuser staff."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission

from incentives.models import DisputeStatus, IncentiveProgram, LineKind, StatementStatus
from incentives.services.accruals import deal_accruals_compute
from incentives.services.disputes import dispute_open
from incentives.services.statements import statement_totals, statements_generate
from tests.factories import PASSWORD, OrganizationFactory, PartnerUserFactory, TierFactory, UserFactory
from tests.factories.incentives import incentive_program, won_deal

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/snippets/incentives/incentiveprogram/add/"


def staff_in(group_name):
    user = UserFactory()
    user.groups.add(Group.objects.get(name=group_name))
    return user


def inline(prefix, rows, initial=0):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{name}": value for name, value in row.items()})
        data[f"{prefix}-{index}-ORDER"] = str(index + 1)
    return data


def program_form(tier, rate, **overrides):
    return {
        "name": "Reseller commission",
        "kind": "commission",
        "description": "",
        "active": "on",
        "currency": "USD",
        "rules_effective_from": "2026-01-01",
        "default_rate": "1",
        "bonus_per_deal": "0",
        "bonus_per_unit": "0",
        "rebate_period": "quarterly",
        "payout_frequency": "monthly",
        "minimum_payout": "0",
        "hold_days": "0",
        **inline("tier_rates", [{"tier": str(tier.pk), "rate": rate, "id": ""}]),
        **inline("overrides", []),
        **inline("rebate_steps", []),
        **overrides,
    }


def test_channel_ops_configure_a_program_and_every_save_is_a_rule_version(client):
    gold = TierFactory(name="Gold")
    ops = staff_in("Channel ops")
    assert client.login(username=ops.username, password=PASSWORD)
    assert "Incentives" in client.get("/admin/").content.decode()

    response = client.post(ADD_URL, program_form(gold, "5"))

    assert response.status_code == 302, response.context["form"].errors if response.context else response
    program = IncentiveProgram.objects.get(name="Reseller commission")
    [first] = program.rule_versions.all()
    assert (first.number, first.created_by, first.rules["tier_rates"]) == (1, ops, {str(gold.pk): "5"})

    rate_row = program.tier_rates.get()
    edit = program_form(gold, "6", rules_effective_from="2026-06-01")
    edit.update(inline("tier_rates", [{"tier": str(gold.pk), "rate": "6", "id": str(rate_row.pk)}], initial=1))
    response = client.post(f"/admin/snippets/incentives/incentiveprogram/edit/{program.pk}/", edit)

    assert response.status_code == 302
    assert [(v.number, v.effective_from, v.rules["tier_rates"]) for v in program.rule_versions.order_by("number")] == [
        (1, datetime.date(2026, 1, 1), {str(gold.pk): "5"}),
        (2, datetime.date(2026, 6, 1), {str(gold.pk): "6"}),
    ]
    # History is kept: the program cannot be deleted, rule versions cannot be edited.
    response = client.post(f"/admin/snippets/incentives/incentiveprogram/delete/{program.pk}/")
    assert IncentiveProgram.objects.filter(pk=program.pk).exists()
    response = client.get(f"/admin/snippets/incentives/ruleversion/edit/{first.pk}/")
    assert response.status_code in (302, 403)


def test_a_spiff_without_its_window_is_refused_with_a_clear_message(client):
    ops = staff_in("Channel ops")
    client.force_login(ops)
    data = program_form(TierFactory(), "5", kind="spiff", name="Spring SPIFF")
    response = client.post(ADD_URL, data)
    assert response.status_code == 200
    assert "A SPIFF needs the date its window opens." in response.content.decode()
    assert not IncentiveProgram.objects.filter(name="Spring SPIFF").exists()


@pytest.fixture
def draft_statement():
    gold = TierFactory(name="Gold")
    partner = OrganizationFactory(tier=gold)
    incentive_program(tier_rates={gold: "5"})
    deal = won_deal(partner, amount="1000.00", closed_on=datetime.date(2026, 3, 2))
    deal_accruals_compute(deal_id=deal.pk)
    [statement] = statements_generate(period_end=datetime.date(2026, 3, 31))
    return statement


def test_finance_approves_and_records_the_payment(client, draft_statement):
    finance = staff_in("Finance")
    client.force_login(finance)
    url = f"/admin/incentives/statements/{draft_statement.pk}/"
    assert draft_statement.organization.name in client.get("/admin/incentives/statements/").content.decode()
    assert "How it was computed" in client.get(url).content.decode()

    assert client.post(url, {"approve": "1"}).status_code == 302
    response = client.post(url, {"pay": "1", "payment_reference": "", "payment_date": "2026-04-05"})
    assert "Enter the payment reference" in response.content.decode()
    assert client.post(url, {"pay": "1", "payment_reference": "PAY-7", "payment_date": "2026-04-05"}).status_code == 302

    draft_statement.refresh_from_db()
    assert (draft_statement.status, draft_statement.approved_by, draft_statement.paid_by) == (
        StatementStatus.PAID,
        finance,
        finance,
    )


def test_channel_ops_cannot_approve_statements(client, draft_statement):
    client.force_login(staff_in("Channel ops"))
    response = client.post(f"/admin/incentives/statements/{draft_statement.pk}/", {"approve": "1"})
    # Wagtail answers a permission denial by sending the user back to the dashboard.
    assert (response.status_code, response.url) == (302, "/admin/")
    draft_statement.refresh_from_db()
    assert draft_statement.status == StatementStatus.DRAFT


def test_finance_answers_and_resolves_a_dispute_with_an_adjustment(client, draft_statement):
    accountant = PartnerUserFactory(organization=draft_statement.organization, roles=["finance"])
    dispute = dispute_open(line=draft_statement.lines.get(), user=accountant, comment="Should be 60")
    finance = staff_in("Finance")
    client.force_login(finance)
    url = f"/admin/incentives/disputes/{dispute.pk}/"

    response = client.post(f"/admin/incentives/statements/{draft_statement.pk}/", {"approve": "1"})
    assert "resolve the dispute before approving" in response.content.decode()
    assert client.post(url, {"reply": "1", "body": "Checking the PO."}).status_code == 302
    response = client.post(url, {"adjust": "1", "amount": "10.00", "reason": ""})
    assert "Explain the adjustment to the partner." in response.content.decode()
    assert client.post(url, {"adjust": "1", "amount": "10.00", "reason": "PO says 1,200"}).status_code == 302

    dispute.refresh_from_db()
    assert (dispute.status, dispute.resolved_by, dispute.adjustment.kind) == (
        DisputeStatus.ADJUSTED,
        finance,
        LineKind.ADJUSTMENT,
    )
    assert [total.amount for total in statement_totals(statement=draft_statement)] == [Decimal("60.00")]


def test_channel_ops_correct_a_won_deal_in_the_review_page(client):
    from deals.models import DealEventKind

    deal = won_deal(OrganizationFactory(), amount="1000.00", closed_on=datetime.date(2026, 3, 2))
    ops = staff_in("Channel ops")
    # No staff group holds the deal review permissions yet (tests/deals/test_admin.py makes its own group).
    ops.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="deals", codename__in=["view_dealregistration", "change_dealregistration"]
        )
    )
    client.force_login(ops)
    url = f"/admin/deals/registrations/{deal.pk}/"
    assert "Correct the outcome" in client.get(url).content.decode()

    data = {"correct_outcome": "1", "outcome-status": "won", "outcome-final_amount": "1200.00"}
    response = client.post(url, {**data, "outcome-closed_on": "2026-03-02", "outcome-reason": ""})
    assert "Say why the deal is corrected." in response.content.decode()
    response = client.post(url, {**data, "outcome-closed_on": "2026-03-02", "outcome-reason": "PO amended"})
    assert response.status_code == 302

    deal.refresh_from_db()
    assert deal.final_amount == Decimal("1200.00")
    event = deal.events.filter(kind=DealEventKind.EDITED).get()
    assert (event.actor, event.before, event.after, event.note) == (
        ops,
        {"status": "won", "final_amount": "1000.00", "program_amount": "1000.00"},
        {"status": "won", "final_amount": "1200.00", "program_amount": "1200.00"},
        "PO amended",
    )


def test_finance_reads_the_ledger_and_rule_history_but_cannot_edit_them(client, draft_statement):
    line = draft_statement.lines.get()
    client.force_login(staff_in("Finance"))

    listing = client.get("/admin/snippets/incentives/ledgerline/")
    assert listing.status_code == 200
    assert draft_statement.organization.name in listing.content.decode()
    assert client.get(f"/admin/snippets/incentives/ledgerline/inspect/{line.pk}/").status_code == 200
    assert client.get("/admin/snippets/incentives/ruleversion/").status_code == 200
    response = client.post(f"/admin/snippets/incentives/ledgerline/edit/{line.pk}/", {"amount": "1"})
    assert response.status_code in (302, 403)
    line.refresh_from_db()
    assert line.amount == Decimal("50.00")
