"""The MDF program form in the Wagtail admin, posted as Channel ops: amounts
with more decimals than the program's currency has are refused on their own
field (the budget, each tier row) with a message naming the currency, nothing
is stored and everything entered is shown again."""

from decimal import Decimal

import pytest
from django.utils import translation

from mdf.models import MdfProgram, ProgramTierTerms
from tests.factories import PASSWORD, TierFactory, UserFactory
from tests.factories.mdf import MdfProgramFactory

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/snippets/mdf/mdfprogram/add/"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def ops(client):
    user = UserFactory(groups=["Channel ops"])
    assert client.login(username=user.username, password=PASSWORD)
    return user


def tier_rows(rows, initial=0):
    data = {
        "tier_terms-TOTAL_FORMS": str(len(rows)),
        "tier_terms-INITIAL_FORMS": str(initial),
        "tier_terms-MIN_NUM_FORMS": "0",
        "tier_terms-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"tier_terms-{index}-{name}": value for name, value in row.items()})
        data[f"tier_terms-{index}-ORDER"] = str(index + 1)
    return data


def program_form(*, budget, currency, rows):
    return {
        "name": "MDF Q3 Japan",
        "period_kind": "quarter",
        "starts_on": "2026-07-01",
        "ends_on": "2026-09-30",
        "is_active": "on",
        "budget": budget,
        "currency": currency,
        "allocation_method": "fixed_per_tier",
        "reimbursement_percent": "50",
        "claim_deadline_days": "60",
        "expire_unused": "on",
        **tier_rows(rows),
    }


def tier_row(tier, fixed_amount):
    return {"tier": str(tier.pk), "fixed_amount": fixed_amount, "reimbursement_percent": "", "id": ""}


def refused(response):
    assert response.status_code == 200, response.status_code
    form = response.context["form"]
    return form, [child.errors for child in form.formsets["tier_terms"].forms]


@pytest.mark.parametrize(
    ("currency", "budget", "gold_amount", "silver_amount", "message"),
    [
        # Four decimals: more than the three stored, so the form field refuses them itself.
        ("USD", "50000.1234", "8000.5678", "3000.50", "Amounts in USD have at most 2 decimals."),
        # One decimal fits the stored column: the currency alone makes it wrong.
        ("JPY", "5000000.5", "800000.5", "300000", "Amounts in JPY have no decimals; enter a whole number."),
        ("jpy", "5000000.1234", "800000.5", "300000", "Amounts in JPY have no decimals; enter a whole number."),
        ("KWD", "5000.1234", "800.0005", "300.125", "Amounts in KWD have at most 3 decimals."),
    ],
)
def test_amounts_with_too_many_decimals_are_refused_on_each_field(
    client, ops, currency, budget, gold_amount, silver_amount, message
):
    gold, silver = TierFactory(name="Gold"), TierFactory(name="Silver")
    data = program_form(
        budget=budget, currency=currency, rows=[tier_row(gold, gold_amount), tier_row(silver, silver_amount)]
    )

    response = client.post(ADD_URL, data)

    form, (gold_errors, silver_errors) = refused(response)
    assert form.errors["budget"] == [message]
    assert gold_errors["fixed_amount"] == [message]
    assert "fixed_amount" not in silver_errors
    page = response.content.decode()
    assert "Ensure that there are no more than" not in page
    assert page.count(message) >= 2
    # Everything entered is shown again, nothing is stored.
    for entered in (budget, gold_amount, silver_amount, "MDF Q3 Japan"):
        assert f'value="{entered}"' in page, entered
    assert not MdfProgram.objects.filter(name="MDF Q3 Japan").exists()
    assert not ProgramTierTerms.objects.exists()


def test_a_deleted_tier_row_is_not_checked_and_whole_amounts_are_stored(client, ops):
    gold, silver = TierFactory(name="Gold"), TierFactory(name="Silver")
    rows = [tier_row(gold, "800000"), {**tier_row(silver, "300000.5"), "DELETE": "1"}]

    response = client.post(ADD_URL, program_form(budget="5000000", currency="JPY", rows=rows))

    assert response.status_code == 302, response.context["form"].errors
    program = MdfProgram.objects.get(name="MDF Q3 Japan")
    assert (program.budget, program.currency) == (Decimal("5000000"), "JPY")
    assert [(terms.tier, terms.fixed_amount) for terms in program.tier_terms.all()] == [(gold, Decimal("800000"))]


def test_editing_a_stored_program_checks_its_tier_rows_against_the_currency(client, ops):
    gold = TierFactory(name="Gold")
    program = MdfProgramFactory(name="MDF Q3 Japan", currency="JPY", budget=Decimal("5000000"))
    terms = program.tier_terms.create(tier=gold, fixed_amount=Decimal("800000"))
    program.save()
    data = program_form(budget="5000000", currency="JPY", rows=[])
    data.update(tier_rows([{**tier_row(gold, "800000.25"), "id": str(terms.pk)}], initial=1))

    response = client.post(f"/admin/snippets/mdf/mdfprogram/edit/{program.pk}/", data)

    _form, [gold_errors] = refused(response)
    assert gold_errors["fixed_amount"] == ["Amounts in JPY have no decimals; enter a whole number."]
    terms.refresh_from_db()
    assert terms.fixed_amount == Decimal("800000")
