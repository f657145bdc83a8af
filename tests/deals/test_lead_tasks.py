"""Lead reassignment on a real Celery worker over Redis."""

import datetime

import pytest
from django.utils import timezone

from deals.models import Lead, LeadDistributionRule, LeadOfferOutcome, LeadStatus
from deals.services.leads import lead_create, lead_decline
from deals.tasks import reassign_due_leads
from tests.factories import OrganizationFactory, PartnerUserFactory
from webhooks.models import WebhookDelivery, WebhookEndpoint


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_offers_a_declined_lead_to_the_next_organization(celery_worker, wait_for):
    first, second = OrganizationFactory(), OrganizationFactory()
    LeadDistributionRule.objects.create(name="Everyone")
    endpoint = WebhookEndpoint.objects.create(url="http://127.0.0.1:9/hook")
    lead = lead_create(created_by=None, company_name="Initech", country="US")
    assert lead.organization == first

    lead_decline(lead=lead, actor=PartnerUserFactory(organization=first, roles=["sales"]), reason="No capacity")

    wait_for(
        lambda: Lead.objects.get(pk=lead.pk).organization_id == second.pk,
        timeout=30,
        message="the worker to reassign the declined lead",
    )
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.OFFERED
    sent = set(WebhookDelivery.objects.filter(endpoint=endpoint).values_list("event_type", flat=True))
    assert {"lead.offered", "lead.declined"} <= sent


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_periodic_task_reassigns_lapsed_offers(celery_worker, wait_for):
    first, second = OrganizationFactory(), OrganizationFactory()
    LeadDistributionRule.objects.create(name="Everyone")
    lapsed = lead_create(created_by=None, company_name="Lapsed Co", country="US")
    current = lead_create(created_by=None, company_name="Current Co", country="US")
    Lead.objects.filter(pk=lapsed.pk).update(respond_by=timezone.now() - datetime.timedelta(minutes=1))

    reassign_due_leads.delay()

    wait_for(
        lambda: Lead.objects.get(pk=lapsed.pk).organization_id == second.pk,
        timeout=30,
        message="the worker to reassign the lapsed lead",
    )
    assert lapsed.offers.get(organization=first).outcome == LeadOfferOutcome.LAPSED
    assert Lead.objects.get(pk=current.pk).organization_id == second.pk
    assert Lead.objects.get(pk=current.pk).status == LeadStatus.OFFERED
