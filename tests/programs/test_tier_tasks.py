import json
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from programs.models import PartnerOrganization, PersonCertification, TierChange
from programs.services.certifications import certification_record
from programs.services.onboarding import application_submit
from programs.services.tiers import tier_rules_record
from programs.tasks import evaluate_all_tiers
from tests.factories import (
    CertificationFactory,
    OrganizationFactory,
    PartnerTypeFactory,
    PartnerUserFactory,
    RegionFactory,
    TierFactory,
    UserFactory,
)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_earned_certification_re_evaluates_the_tier_on_the_worker(celery_worker, wait_for):
    registered = TierFactory(name="Registered", rank=1, requires_signed_agreement=False)
    certified = TierFactory(name="Certified", rank=2, min_certified_people=1, requires_signed_agreement=False)
    for tier in (registered, certified):
        tier_rules_record(tier=tier)
    organization = OrganizationFactory(name="A first partner", tier=registered)
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

    # The nightly sweep queues one evaluation per organization: the late
    # partner moves up, the one already in its tier gets no second record.
    late = OrganizationFactory(name="Z late partner", tier=registered)
    # Recorded without the service (an import, say): no event re-evaluated it.
    PersonCertification.objects.create(
        organization=late,
        user=PartnerUserFactory(organization=late),
        certification=CertificationFactory(),
        earned_at=timezone.now(),
    )
    evaluate_all_tiers.delay()
    wait_for(
        lambda: TierChange.objects.filter(organization=late, reason="Nightly evaluation").exists(),
        message=f"the nightly evaluation of the late partner (log:\n{celery_worker.log()})",
    )
    assert TierChange.objects.filter(organization=organization).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_retiring_a_tier_moves_its_partners_onto_the_remaining_ladder_on_the_worker(celery_worker, wait_for):
    registered = TierFactory(name="Registered", rank=1, requires_signed_agreement=False)
    gold = TierFactory(name="Gold", rank=3, requires_signed_agreement=False)
    for tier in (registered, gold):
        tier_rules_record(tier=tier)
    organization = OrganizationFactory(name="A Gold partner", tier=gold)

    with transaction.atomic():
        gold.retired = True
        gold.save()
        tier_rules_record(tier=gold)

    change = wait_for(
        lambda: TierChange.objects.filter(organization=organization).first(),
        message=f"the re-evaluation after the retirement (log:\n{celery_worker.log()})",
    )
    assert (change.from_tier, change.to_tier, change.reason) == (gold, registered, "Tier Gold retired")
    organization.refresh_from_db()
    assert organization.tier == registered


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_approved_application_gets_its_first_tier_on_the_worker(client, celery_worker, wait_for):
    registered = TierFactory(name="Registered", rank=1, requires_signed_agreement=False)
    tier_rules_record(tier=registered)
    application = application_submit(
        company_name="Initech Systems",
        website="https://initech.example",
        partner_type=PartnerTypeFactory(),
        region=RegionFactory(),
        country="US",
        contact_name="Bill Lumbergh",
        contact_email="bill@initech.example",
        expected_annual_revenue=Decimal("90000"),
    )
    ops = UserFactory()
    ops.groups.add(Group.objects.get(name="Channel ops"))
    client.force_login(ops)

    response = client.post(f"/admin/programs/applications/{application.pk}/review/", {"approve": "1"})

    assert response.status_code == 302
    organization = PartnerOrganization.objects.get(email_domain="initech.example")
    change = wait_for(
        lambda: TierChange.objects.filter(organization=organization).first(),
        message=f"the first tier evaluation of the new partner (log:\n{celery_worker.log()})",
    )
    assert (change.from_tier, change.to_tier, change.reason) == (None, registered, "Application approved")
    organization.refresh_from_db()
    assert organization.tier == registered


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_nightly_evaluation_holds_each_partners_evaluation_while_the_broker_is_down(stop_broker):
    from home.models import HeldTask

    registered = TierFactory(name="Registered", rank=1, requires_signed_agreement=False)
    tier_rules_record(tier=registered)
    partners = [OrganizationFactory(name=f"Partner {n}", tier=registered) for n in range(3)]
    stop_broker()

    evaluate_all_tiers()  # as the worker runs it when beat's message arrives

    held = HeldTask.objects.filter(task="programs.tasks.evaluate_organization_tier")
    assert sorted(json.loads(task.message)["args"] for task in held) == [
        [partner.pk, "Nightly evaluation"] for partner in partners
    ]
