"""Many partners registering the same opportunity at the same moment: the
database, not timing, decides that exactly one is protected."""

import threading

import pytest
from django.db import connections

from deals.models import DealClaim, DealRegistration, DealStatus
from tests.factories import OrganizationFactory
from tests.factories.deals import ProductLineFactory, RoutingRuleFactory, deal_fields

THREADS = 10


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_registrations_protect_exactly_one():
    from deals.services import deal_register

    RoutingRuleFactory(name="Standard deals")
    storage = ProductLineFactory(code="storage")
    organizations = [OrganizationFactory() for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def register(organization):
        try:
            barrier.wait(timeout=30)
            deal_register(
                organization=organization,
                submitted_by=None,
                **deal_fields(company_name="Acme, Inc.", domain="acme.com", product_lines=[storage]),
            )
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=register, args=(organization,)) for organization in organizations]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    deals = list(DealRegistration.objects.all())
    assert len(deals) == THREADS
    approved = [deal for deal in deals if deal.status == DealStatus.APPROVED]
    assert len(approved) == 1
    assert approved[0].protected_until is not None
    others = [deal for deal in deals if deal.status != DealStatus.APPROVED]
    assert all(deal.status == DealStatus.UNDER_REVIEW and deal.has_conflict for deal in others)
    assert set(DealClaim.objects.values_list("deal_id", flat=True)) == {approved[0].pk}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_simultaneous_double_submit_stores_one_registration():
    from deals.services import deal_register

    organization = OrganizationFactory()
    fields = deal_fields(product_lines=[ProductLineFactory(code="storage")])
    barrier = threading.Barrier(4)
    results: list = []

    def submit():
        try:
            barrier.wait(timeout=30)
            results.append(deal_register(organization=organization, submitted_by=None, **fields).pk)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            results.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert DealRegistration.objects.count() == 1
    assert results == [DealRegistration.objects.get().pk] * 4
