"""Forms a partner fills in on a phone: names instead of codes, in their
language; required fields marked; one error summary linking to each field;
human messages; nothing cut silently; a confirmation naming the next step."""

import datetime
import re
import uuid

import pytest
from django.utils import timezone

from deals.models import DealRegistration
from tests.factories import OrganizationFactory, PartnerUserFactory
from tests.factories.deals import ProductLineFactory, RoutingRuleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sales(client):
    user = PartnerUserFactory(organization=OrganizationFactory(country="DE"), roles=["sales"])
    client.force_login(user)
    return user


def valid_deal(**overrides):
    data = {
        "idempotency_key": uuid.uuid4().hex,
        "company_name": "Acme GmbH",
        "country": "DE",
        "product_lines": [ProductLineFactory(code="storage").pk],
        "estimated_value": "25000.00",
        "currency": "EUR",
        "expected_close_date": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
        "stage": "qualified",
        "contact_name": "Erika Mustermann",
    }
    data.update(overrides)
    return data


def test_country_and_currency_are_searchable_selects_named_in_the_readers_language(client, sales):
    english = client.get("/deals/new/").content.decode()
    french = client.get("/fr/deals/new/").content.decode()

    assert re.search(r'<select name="country"[^>]*data-searchable', english)
    assert '<option value="DE" selected>Germany</option>' in english
    assert '<option value="DE" selected>Allemagne</option>' in french
    assert re.search(r'<option value="EUR"[^>]*>euro \(EUR\)</option>', french)
    assert "ISO" not in english


def test_required_fields_are_marked_and_optional_ones_say_so(client, sales):
    html = client.get("/deals/new/").content.decode()

    company = re.search(r'<label for="id_company_name">.*?</label>', html, re.S).group(0)
    notes = re.search(r'<label for="id_notes">.*?</label>', html, re.S).group(0)
    assert 'class="required"' in company and "(required)" in company
    assert "(optional)" in notes


def test_errors_are_summarized_with_links_to_each_field_in_human_words(client, sales):
    response = client.post("/deals/new/", valid_deal(company_name="", estimated_value="0", country=""))

    html = response.content.decode()
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)
    assert 'tabindex="-1"' in summary and "data-error-summary" in summary
    assert 'href="#id_company_name"' in summary
    assert 'href="#id_estimated_value"' in summary
    assert 'href="#id_country"' in summary
    assert "Enter an amount greater than zero." in html
    assert "Ensure this value" not in html
    assert "This field is required." not in html
    assert re.search(r'id="id_company_name"[^>]*aria-invalid="true"', html) or re.search(
        r'aria-invalid="true"[^>]*id="id_company_name"', html
    )
    assert DealRegistration.objects.count() == 0


def test_typed_text_is_never_cut_a_counter_and_an_error_instead(client, sales):
    form_page = client.get("/deals/new/").content.decode()
    company_input = re.search(r'<input[^>]*name="company_name"[^>]*>', form_page).group(0)
    assert "maxlength" not in company_input.replace("data-maxlength", "")
    assert 'data-maxlength="200"' in company_input

    response = client.post("/deals/new/", valid_deal(company_name="A" * 205))

    html = response.content.decode()
    assert "Use 200 characters at most (there are 205)." in html
    assert "A" * 205 in html  # what was typed is kept for correcting


def test_a_registration_ends_on_a_confirmation_with_the_next_step(client, sales):
    RoutingRuleFactory(name="Standard")

    response = client.post("/deals/new/", valid_deal(), follow=True)

    deal = DealRegistration.objects.get()
    assert response.redirect_chain == [(f"/deals/{deal.pk}/", 302)]
    html = response.content.decode()
    assert 'class="toast success"' in html
    assert "Deal registered. Channel operations review it" in html


def test_the_attachment_help_text_follows_the_readers_language(client, sales):
    html = client.get("/fr/deals/new/").content.decode()
    assert "Optional, up to 10 MB" not in html


def test_dates_on_a_deal_use_one_format(client, sales):
    from tests.factories.deals import register_deal

    deal = register_deal(sales.membership.organization, sales)
    html = client.get(f"/deals/{deal.pk}/").content.decode()
    today = timezone.localdate()
    # Long dates everywhere ("Dec. 1, 2026"); no numeric short dates beside them.
    assert not re.search(r"\b\d{1,2}/\d{1,2}/\d{4}\b", html)
    assert str(today.year) in html
