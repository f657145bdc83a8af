import pytest
from django.db import transaction
from django.utils import timezone

from programs.models import TierChange
from programs.services.certifications import certification_record
from programs.services.tiers import tier_rules_record
from tests.factories import CertificationFactory, OrganizationFactory, PartnerUserFactory, TierFactory


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_earned_certification_re_evaluates_the_tier_on_the_worker(celery_worker, wait_for):
    registered = TierFactory(name="Registered", rank=1, requires_signed_agreement=False)
    certified = TierFactory(name="Certified", rank=2, min_certified_people=1, requires_signed_agreement=False)
    for tier in (registered, certified):
        tier_rules_record(tier=tier)
    organization = OrganizationFactory(tier=registered)
    engineer = PartnerUserFactory(organization=organization, roles=["technical"])

    with transaction.atomic():
        certification_record(
            organization=organization, user=engineer, certification=CertificationFactory(), earned_at=timezone.now()
        )

    change = wait_for(
        lambda: TierChange.objects.filter(organization=organization).first(),
        message=f"the tier change made by the worker (log:\n{celery_worker.log()})",
    )
    assert change.to_tier == certified
    assert change.reason.startswith("Certification earned")
    organization.refresh_from_db()
    assert organization.tier == certified
