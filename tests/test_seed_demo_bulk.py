"""seed_demo's bulk registrations (``--deals``) written with PostgreSQL's COPY,
with the indexes built after a large load."""

import re

from django.db import connection

from deals.models import DealClaim, DealEvent, DealProductLine, DealRegistration, DealStatus
from home.management.commands import seed_demo
from tests.factories import OrganizationFactory

TABLES = ["deals_dealregistration", "deals_dealproductline", "deals_dealevent", "deals_dealclaim"]


def index_definitions() -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ANY(%s)",
            [TABLES],
        )
        return {(name, _without_casts(definition)) for name, definition in cursor.fetchall()}


def _without_casts(definition: str) -> str:
    # An index built again from its own definition reads the same to PostgreSQL but
    # prints its casts differently (a partial index's ``status IN (…)`` comes back as
    # ``= ANY (ARRAY[('submitted'::character varying)::text, …])``).
    return re.sub(r"[()\s]", "", re.sub(r"::[a-z ]+(\[\])?", "", definition))


def test_bulk_registrations_are_complete_and_the_indexes_are_rebuilt(db, monkeypatch):
    organizations = [OrganizationFactory() for _ in range(3)]
    indexes = index_definitions()
    # A small load takes the path of a million registrations: indexes dropped, then built again.
    monkeypatch.setattr(seed_demo, "DEFER_INDEXES_FROM", 10)
    monkeypatch.setattr(seed_demo, "BULK_DEALS_BATCH", 40)

    seed_demo.Command().seed_bulk_deals(100)

    assert index_definitions() == indexes
    deals = list(DealRegistration.objects.order_by("pk"))
    assert len(deals) == 100
    assert {deal.organization_id for deal in deals} == {organization.pk for organization in organizations}
    assert len({deal.idempotency_key for deal in deals}) == 100
    first = deals[0]
    assert (first.contact_name, first.currency, first.company_name.split()[2]) == ("Demo Contact", "USD", "0000001")
    assert first.updated_at is not None and first.estimated_value > 0
    # Every registration has its product line and its submission in the audit trail.
    assert DealProductLine.objects.filter(deal__in=deals).count() == 100
    events = DealEvent.objects.filter(deal__in=deals)
    assert events.count() == 100
    assert all(event.kind == "submitted" and event.at == event.deal.submitted_at for event in events)
    # Approved ones hold their claims, as a registration approved in the portal does.
    approved = [deal for deal in deals if deal.status == DealStatus.APPROVED]
    assert approved and all(deal.protected_until for deal in approved)
    assert set(DealClaim.objects.values_list("deal_id", flat=True).distinct()) == {deal.pk for deal in approved}

    # Run again: only what is missing is added.
    seed_demo.Command().seed_bulk_deals(100)
    assert DealRegistration.objects.count() == 100
    seed_demo.Command().seed_bulk_deals(130)
    assert DealRegistration.objects.count() == 130
    assert DealEvent.objects.count() == 130
