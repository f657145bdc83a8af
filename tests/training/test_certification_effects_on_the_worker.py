"""Done when: a technician completes a learning path and the organization's
tier moves up on its own (the worker re-evaluates it); when the
certification expires, the nightly sweep records it and the tier moves back."""

import datetime

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from programs.models import PersonCertification, TierChange
from programs.services.tiers import tier_rules_record
from tests.factories import CertificationFactory, OrganizationFactory, PartnerUserFactory, TierFactory
from tests.factories.training import certification_rule, publish_course, publish_path, right_answers
from training.models import CertificationEvent, CertificationEventKind
from training.services import assessment_start, assessment_submit
from training.tasks import sweep_certification_expiries


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_earning_through_a_path_raises_the_tier_and_expiry_lowers_it_on_the_worker(celery_worker, wait_for, home_page):
    registered = TierFactory(name="Registered", rank=1, requires_signed_agreement=False)
    certified = TierFactory(name="Certified", rank=2, min_certified_people=1, requires_signed_agreement=False)
    for tier in (registered, certified):
        tier_rules_record(tier=tier)
    organization = OrganizationFactory(name="Northwind", tier=registered)
    technician = PartnerUserFactory(organization=organization, roles=["technical"])
    course = publish_course(home_page, title="Storage basics")
    path = publish_path(home_page, courses=[course])
    certification_rule(CertificationFactory(code="storage-associate", validity_months=12), path=path)

    client = Client()
    client.force_login(technician)
    client.post(reverse("training:assessment", args=[course.pk]))
    attempt = assessment_start(course=course, user=technician)  # the open attempt the page started
    with transaction.atomic():
        assessment_submit(attempt=attempt, answers=right_answers(attempt))

    up = wait_for(
        lambda: TierChange.objects.filter(organization=organization, to_tier=certified).first(),
        message=f"the tier change after the certification (log:\n{celery_worker.log()})",
    )
    assert up.reason.startswith("Certification earned")

    # A year on: the record's date has passed (the worker reads the real clock).
    held = PersonCertification.objects.get()
    held.expires_at = timezone.now() - datetime.timedelta(minutes=1)
    held.save(update_fields=["expires_at"])
    sweep_certification_expiries.delay()

    down = wait_for(
        lambda: TierChange.objects.filter(organization=organization, to_tier=registered).first(),
        message=f"the tier change after the expiry (log:\n{celery_worker.log()})",
    )
    assert down.reason.startswith("Certification expired")
    assert CertificationEvent.objects.filter(held=held, kind=CertificationEventKind.EXPIRED).exists()
    organization.refresh_from_db()
    assert organization.tier == registered
