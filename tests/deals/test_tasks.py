"""The nightly sweep on a real Celery worker over Redis."""

import datetime

import pytest
from django.utils import timezone

from deals.models import DealRegistration, DealStatus
from deals.tasks import expire_deal_protections
from tests.factories import OrganizationFactory
from tests.factories.deals import RoutingRuleFactory, register_deal


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_expires_lapsed_protections(celery_worker, wait_for):
    RoutingRuleFactory()
    lapsed = register_deal(OrganizationFactory(), company_name="Lapsed Co", domain="lapsed.com")
    current = register_deal(OrganizationFactory(), company_name="Current Co", domain="current.com")
    DealRegistration.objects.filter(pk=lapsed.pk).update(protected_until=timezone.now() - datetime.timedelta(hours=1))

    expire_deal_protections.delay()

    wait_for(
        lambda: DealRegistration.objects.get(pk=lapsed.pk).status == DealStatus.EXPIRED,
        timeout=30,
        message="the worker to expire the lapsed registration",
    )
    assert DealRegistration.objects.get(pk=current.pk).status == DealStatus.APPROVED
    assert lapsed.events.get(kind="expired").actor is None
