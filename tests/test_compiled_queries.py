"""The session and the partner membership are read by queries compiled once
per process (programs.compiled): each request's own values must reach them."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from programs.models import OrganizationStatus, PersonCertification
from programs.request_memo import remembered_for_request
from programs.tenancy import partner_context
from tests.factories import PartnerUserFactory, UserFactory
from tests.factories.programs import CertificationFactory

pytestmark = pytest.mark.django_db


def test_a_session_past_its_expiry_signs_the_partner_out_and_a_current_one_does_not(client):
    first, second = PartnerUserFactory(), PartnerUserFactory()
    client.force_login(first)
    assert client.get("/dashboard/").status_code == 200

    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    signed_out = client.get("/dashboard/")
    assert signed_out.status_code == 302
    assert "/login/" in signed_out["Location"]

    client.force_login(second)  # a new session: the same compiled query, other values
    assert client.get("/dashboard/").status_code == 200


def test_each_person_gets_their_own_membership_and_the_certifications_in_force():
    now = timezone.now()
    first, second = PartnerUserFactory(), PartnerUserFactory()
    held, expired, later = CertificationFactory(), CertificationFactory(), CertificationFactory()
    organization = first.membership.organization
    for certification, earned, expires in (
        (held, now - timedelta(days=30), None),
        (expired, now - timedelta(days=30), now - timedelta(days=1)),
        (later, now + timedelta(days=1), None),
    ):
        PersonCertification.objects.create(
            organization=organization, user=first, certification=certification, earned_at=earned, expires_at=expires
        )
    suspended = PartnerUserFactory()
    organization_of_suspended = suspended.membership.organization
    organization_of_suspended.status = OrganizationStatus.SUSPENDED
    organization_of_suspended.save()

    with remembered_for_request():
        contexts = {user: partner_context(user) for user in (first, second, suspended, UserFactory())}

    assert contexts[first].organization == organization
    assert contexts[first].held_certification_ids == (held.pk,)
    assert contexts[first].user is first
    assert contexts[second].organization == second.membership.organization
    assert contexts[second].held_certification_ids == ()
    assert list(contexts.values())[2:] == [None, None]
    # outside a reading request: the membership alone (certifications read when asked)
    assert partner_context(PartnerUserFactory()).held_certification_ids is None
