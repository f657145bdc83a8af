"""Certifications vendor staff record, correct or delete in the admin go
through the certification services: the organization's tier follows on the
worker, as for one earned in the portal, and the admin history says who."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone
from wagtail.models import ModelLogEntry

from programs.models import PersonCertification, TierChange
from programs.services.tiers import tier_rules_record
from tests.factories import CertificationFactory, OrganizationFactory, PartnerUserFactory, TierFactory, UserFactory

ADMIN_URL = "/admin/snippets/programs/personcertification/"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_certification_recorded_and_deleted_in_the_admin_moves_the_tier(celery_worker, wait_for):
    registered = TierFactory(name="Registered", rank=1, requires_signed_agreement=False)
    certified = TierFactory(name="Certified", rank=2, min_certified_people=1, requires_signed_agreement=False)
    for tier in (registered, certified):
        tier_rules_record(tier=tier)
    organization = OrganizationFactory(name="Northwind", tier=registered)
    technician = PartnerUserFactory(organization=organization, roles=["technical"])
    certification = CertificationFactory(code="storage-associate", validity_months=12)
    staff = UserFactory(is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(staff)
    earned = timezone.localtime().replace(microsecond=0) - datetime.timedelta(days=1)

    created = client.post(
        f"{ADMIN_URL}add/",
        {
            "organization": organization.pk,
            "user": technician.pk,
            "certification": certification.pk,
            "earned_at": earned.strftime("%Y-%m-%d %H:%M"),
            "expires_at": "",
        },
    )

    assert created.status_code == 302, created.content.decode()[:2000]
    held = PersonCertification.objects.get(user=technician)
    # The service fills the expiry from the certification's validity.
    assert held.expires_at.date() == (earned + datetime.timedelta(days=365)).date()
    assert ModelLogEntry.objects.filter(object_id=str(held.pk), action="wagtail.create", user=staff).exists()
    up = wait_for(
        lambda: TierChange.objects.filter(organization=organization, to_tier=certified).first(),
        message=f"the tier change after the recorded certification (log:\n{celery_worker.log()})",
    )
    assert up.reason == "Certification earned: " + certification.name

    deleted = client.post(f"{ADMIN_URL}delete/{held.pk}/")

    assert deleted.status_code == 302
    assert not PersonCertification.objects.filter(pk=held.pk).exists()
    down = wait_for(
        lambda: TierChange.objects.filter(organization=organization, to_tier=registered).first(),
        message=f"the tier change after the deletion (log:\n{celery_worker.log()})",
    )
    assert down.reason == "Certification removed: " + certification.name
