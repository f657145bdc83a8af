"""Every app publishes its events through webhooks.services.event_publish:
deals and leads (tests/deals), MDF (tests/mdf/test_api.py), incentive
statements (tests/incentives/test_statements.py) and support cases (here),
all with the same envelope and a link to the audit event reported."""

from decimal import Decimal

import pytest

from support.models import CaseEvent
from support.services.cases import case_reply, case_set_status
from tests.factories import OrganizationFactory, PartnerUserFactory, UserFactory
from tests.factories.deals import register_deal
from tests.factories.mdf import MdfProgramFactory, allocated, auto_approve_all, submit_request
from tests.factories.support import open_case
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


def test_support_cases_report_opening_and_status_changes():
    organization = OrganizationFactory()
    endpoint = WebhookEndpoint.objects.create(organization=organization, url="https://crm.example/hook")
    case = open_case(organization, PartnerUserFactory(organization=organization))
    staff = UserFactory()

    case_reply(case=case, author=staff, body="Internal check", internal=True)
    case_set_status(case=case, actor=staff, status="resolved")

    deliveries = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("pk")
    assert [d.event_type for d in deliveries] == ["case.opened", "case.status"]
    resolved = deliveries.last()
    assert resolved.payload["case"] | {"id": None} == {
        "id": None,
        "organization": organization.pk,
        "subject": "Cannot download the price list",
        "category": "technical",
        "priority": "normal",
        "status": "resolved",
        "from_status": "new",
        "deal": None,
    }
    event = CaseEvent.objects.get(pk=resolved.payload["event_id"])
    assert (resolved.source_type, resolved.source_id) == ("support.caseevent", event.pk)


def test_a_deal_event_names_its_audit_event():
    organization = OrganizationFactory()
    WebhookEndpoint.objects.create(organization=organization, url="https://crm.example/hook")

    deal = register_deal(organization)

    delivery = WebhookDelivery.objects.get(event_type="deal.submitted")
    event = deal.events.get(kind="submitted")
    assert delivery.payload["event_id"] == event.pk and delivery.payload["occurred_at"] == event.at.isoformat()
    assert (delivery.source_type, delivery.source_id) == ("deals.dealevent", event.pk)


def test_amounts_carry_the_digits_of_their_currency_as_in_the_api():
    organization = OrganizationFactory()
    endpoint = WebhookEndpoint.objects.create(organization=organization, url="https://crm.example/hook")
    auto_approve_all()
    allocated(organization, Decimal("10000.000"), program=MdfProgramFactory(currency="KWD"))

    register_deal(organization, estimated_value=Decimal("1200"), currency="JPY")
    submit_request(organization, planned_cost=Decimal("4000.000"), requested_amount=Decimal("1000.125"))

    deliveries = WebhookDelivery.objects.filter(endpoint=endpoint)
    deal = deliveries.get(event_type="deal.submitted").payload["deal"]
    assert (deal["estimated_value"], deal["currency"]) == ("1200", "JPY")
    request = deliveries.get(event_type="mdf.request.approved").payload["request"]
    assert (request["requested_amount"], request["approved_amount"], request["currency"]) == (
        "1000.125",
        "1000.125",
        "KWD",
    )
