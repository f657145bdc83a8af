"""The partner side: register from the dashboard, follow, update, extend."""

import datetime
import re
import uuid
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from deals.models import DealEvent, DealProductLine, DealRegistration, DealStatus
from deals.services import deal_request_info
from tests.factories import PASSWORD, OrganizationFactory, PartnerUserFactory, UserFactory
from tests.factories.deals import ProductLineFactory, RoutingRuleFactory, register_deal
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def sales(client):
    user = PartnerUserFactory(organization=OrganizationFactory(country="US"), roles=["sales"])
    assert client.login(username=user.username, password=PASSWORD)
    return user


def form_data(**overrides):
    data = {
        "idempotency_key": uuid.uuid4().hex,
        "company_name": "Acme, Inc.",
        "domain": "https://www.acme.com",
        "country": "us",
        "product_lines": [ProductLineFactory(code="storage").pk],
        "estimated_value": "25000.00",
        "currency": "usd",
        "expected_close_date": (timezone.localdate() + datetime.timedelta(days=45)).isoformat(),
        "stage": "qualified",
        "contact_name": "Wile E. Coyote",
        "contact_email": "wile@acme.com",
    }
    data.update(overrides)
    return data


def row_counts():
    return (DealRegistration.objects.count(), DealProductLine.objects.count(), DealEvent.objects.count())


def test_three_taps_from_the_dashboard_to_an_approved_registration(client, sales):
    RoutingRuleFactory(name="Standard")
    ProductLineFactory(code="storage")

    dashboard = client.get("/dashboard/")  # tap 1: the dashboard
    register_url = re.search(r'href="([^"]+)">Register a deal<', dashboard.content.decode()).group(1)
    form_page = client.get(register_url)  # tap 2: "Register a deal"
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', form_page.content.decode()).group(1)
    response = client.post(register_url, form_data(idempotency_key=key), follow=True)  # tap 3: submit

    deal = DealRegistration.objects.get()
    assert response.redirect_chain == [(f"/deals/{deal.pk}/", 302)]
    assert (deal.domain, deal.country, deal.currency, deal.submitted_by) == ("acme.com", "US", "USD", sales)
    assert deal.status == DealStatus.APPROVED
    html = response.content.decode()
    assert "Approved" in html and "Protected until" in html
    assert 'name="viewport"' in html


def test_a_double_submit_creates_one_registration_and_shows_the_same_result(client, sales):
    data = form_data()

    first = client.post("/deals/new/", data)
    second = client.post("/deals/new/", data)

    assert DealRegistration.objects.count() == 1
    assert first["Location"] == second["Location"] == f"/deals/{DealRegistration.objects.get().pk}/"
    assert DealEvent.objects.filter(kind="submitted").count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"expected_close_date": "2000-01-01"}, "expected_close_date", "cannot be in the past"),
        ({"estimated_value": "-5"}, "estimated_value", "Enter an amount greater than zero."),
        ({"currency": "XYZ"}, "currency", "Choose one of the options in the list."),
        ({"country": "QQ"}, "country", "Choose one of the options in the list."),
        ({"domain": "not a domain"}, "domain", "Enter a website or e-mail domain such as acme.com."),
        ({"product_lines": []}, "product_lines", "Choose at least one option."),
        ({"company_name": "!!!"}, "company_name", "Enter the end customer&#x27;s company name."),
    ],
)
def test_bad_input_gets_a_clear_error_and_stores_nothing(client, sales, overrides, field, message):
    before = row_counts()

    response = client.post("/deals/new/", form_data(**overrides))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert list(response.context["form"].errors) == [field]
    assert row_counts() == before


def test_an_oversized_attachment_is_refused(client, sales, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    before = row_counts()
    too_big = SimpleUploadedFile("plan.pdf", b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024), "application/pdf")

    response = client.post("/deals/new/", {**form_data(), "attachment": too_big})

    assert response.status_code == 400
    assert "the limit is 10.0\xa0MB" in response.content.decode()
    assert row_counts() == before
    assert not any(tmp_path.rglob("*.pdf"))


def test_an_attachment_must_be_what_its_name_says(client, sales, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    disguised = SimpleUploadedFile("plan.pdf", b"MZ\x90\x00 executable", "application/pdf")

    response = client.post("/deals/new/", {**form_data(), "attachment": disguised})

    assert "does not match its .pdf extension" in response.content.decode()
    assert DealRegistration.objects.count() == 0


def test_a_valid_attachment_is_stored_under_a_random_name(client, sales, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    plan = SimpleUploadedFile("account plan.pdf", b"%PDF-1.7\n...", "application/pdf")

    client.post("/deals/new/", {**form_data(), "attachment": plan})

    deal = DealRegistration.objects.get()
    assert re.fullmatch(rf"deals/attachments/{deal.organization_id}/[0-9a-f]{{24}}\.pdf", deal.attachment.name)


def test_only_sales_and_owners_register(client):
    marketing = PartnerUserFactory(roles=["marketing"])
    client.force_login(marketing)

    assert client.get("/deals/new/").status_code == 404
    assert client.get("/deals/").status_code == 200
    assert "Register a deal" not in client.get("/dashboard/").content.decode()


def test_the_list_shows_the_organizations_registrations_recent_first(client, sales):
    colleague = PartnerUserFactory(organization=sales.membership.organization, roles=["owner"])
    register_deal(sales.membership.organization, colleague, company_name="Older Co", domain="older.com")
    register_deal(sales.membership.organization, sales, company_name="Newer Co", domain="newer.com")
    register_deal(OrganizationFactory(), company_name="Someone Else", domain="else.com")

    html = client.get("/deals/").content.decode()

    assert html.index("Newer Co") < html.index("Older Co")
    assert "Someone Else" not in html
    assert "deal-status-under_review" in html


def test_the_timeline_never_names_the_other_partner(client, sales):
    RoutingRuleFactory()
    register_deal(OrganizationFactory(name="Contoso Rival Ltd"))
    deal = register_deal(sales.membership.organization, sales)

    html = client.get(f"/deals/{deal.pk}/").content.decode()

    assert "Under review: possible conflict" in html
    assert "Contoso" not in html
    assert "Submitted" in html and "Possible conflict detected" in html


def test_won_needs_the_final_amount_and_close_date(client, sales):
    RoutingRuleFactory()
    deal = register_deal(sales.membership.organization, sales)
    assert deal.status == DealStatus.APPROVED

    refused = client.post(f"/deals/{deal.pk}/stage/", {"stage": "won"})
    assert refused.status_code == 400
    assert "Enter the final amount of the won deal." in refused.content.decode()
    deal.refresh_from_db()
    assert deal.status == DealStatus.APPROVED

    client.post(f"/deals/{deal.pk}/stage/", {"stage": "proposal"})
    client.post(
        f"/deals/{deal.pk}/stage/",
        {"stage": "won", "final_amount": "31000.50", "closed_on": timezone.localdate().isoformat()},
    )

    deal.refresh_from_db()
    assert (deal.status, deal.final_amount, deal.closed_on) == (
        "reported_won",
        Decimal("31000.50"),
        timezone.localdate(),
    )
    # Protection holds until the vendor confirms the outcome (a rejection returns the deal to approved).
    assert deal.claims.exists()
    stage_events = deal.events.filter(kind__in=["stage", "outcome_reported"])
    assert [(e.before.get("stage"), e.after.get("stage")) for e in stage_events] == [
        ("qualified", "proposal"),
        ("proposal", "won"),
    ]
    assert all(event.actor == sales for event in stage_events)


def test_one_extension_may_be_requested_with_a_reason(client, sales):
    RoutingRuleFactory()
    deal = register_deal(sales.membership.organization, sales)

    assert client.post(f"/deals/{deal.pk}/extend/", {"reason": ""}).status_code == 400
    assert client.post(f"/deals/{deal.pk}/extend/", {"reason": "Budget moved to Q3."}).status_code == 302
    again = client.post(f"/deals/{deal.pk}/extend/", {"reason": "Again"})

    assert again.status_code == 400
    assert "already been requested" in again.content.decode()
    deal.refresh_from_db()
    assert (deal.extension_status, deal.extension_reason) == ("requested", "Budget moved to Q3.")
    assert deal.events.filter(kind="extension_requested").count() == 1


def test_the_partner_answers_a_request_for_more_information(client, sales):
    deal = register_deal(sales.membership.organization, sales)
    deal_request_info(deal=deal, actor=UserFactory(), question="Who is the buyer?")

    page = client.get(f"/deals/{deal.pk}/").content.decode()
    assert "Who is the buyer?" in page
    response = client.post(f"/deals/{deal.pk}/respond/", {"reason": "The CFO, Jane Roe."})

    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.status == DealStatus.UNDER_REVIEW
    assert deal.events.last().partner_note == "The CFO, Jane Roe."


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_registration_submitted_while_the_task_broker_is_down_is_saved_and_confirmed(
    client, sales, stop_broker, caplog
):
    RoutingRuleFactory(name="Standard")
    ProductLineFactory(code="storage")
    WebhookEndpoint.objects.create(organization=sales.membership.organization, url="https://crm.example/hook")
    stop_broker()

    response = client.post("/deals/new/", form_data(), follow=True)

    deal = DealRegistration.objects.get()
    assert response.redirect_chain == [(f"/deals/{deal.pk}/", 302)]
    assert deal.status == DealStatus.APPROVED
    assert "Approved" in response.content.decode()
    assert "deals.tasks.notify_partner_of_deal_event held: the task broker is unreachable" in caplog.text
    # The CRM's deliveries wait for beat's sweeper.
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).exists()
    assert "webhooks.tasks.deliver_webhook held: the task broker is unreachable" in caplog.text
