"""Applying, vendor review, the owner's invitation and account set-up, over HTTP."""

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.utils import timezone

from programs.models import Invitation, Membership, OrganizationStatus, PartnerApplication, PartnerOrganization
from programs.services.onboarding import invitation_create
from tests.factories import OrganizationFactory, PartnerTypeFactory, RegionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def application(client):
    client.post(
        "/apply/",
        {
            "company_name": "Initech Systems",
            "website": "initech.example",
            "partner_type": PartnerTypeFactory().pk,
            "region": RegionFactory().pk,
            "country": "US",
            "contact_name": "Bill Lumbergh",
            "contact_email": "bill@initech.example",
            "expected_annual_revenue": "90000",
            "expected_revenue_currency": "USD",
        },
    )
    return PartnerApplication.objects.get()


def staff_in(group_name):
    user = UserFactory()
    user.groups.add(Group.objects.get(name=group_name))
    return user


def invitation_link(mailoutbox) -> str:
    return re.search(r"https?://\S+/invitations/\S+/", mailoutbox[-1].body).group(0)


def test_apply_approve_invite_and_set_up_the_owner_login(
    client, application, mailoutbox, django_capture_on_commit_callbacks
):
    ops = staff_in("Channel ops")
    client.force_login(ops)

    review = client.get(f"/admin/programs/applications/{application.pk}/review/")
    with django_capture_on_commit_callbacks(execute=True):
        approved = client.post(f"/admin/programs/applications/{application.pk}/review/", {"approve": "1"})

    assert review.status_code == 200 and "Initech Systems" in review.content.decode()
    assert approved.status_code == 302
    organization = PartnerOrganization.objects.get(email_domain="initech.example")
    assert organization.status == OrganizationStatus.ONBOARDING
    application.refresh_from_db()
    assert (application.status, application.reviewed_by, application.organization) == ("approved", ops, organization)
    assert mailoutbox[-1].to == ["bill@initech.example"]
    path = "/" + invitation_link(mailoutbox).split("/", 3)[3]

    client.logout()
    page = client.get(path)
    created = client.post(
        path,
        {
            "first_name": "Bill",
            "last_name": "Lumbergh",
            "password": "yeah-if-you-could",
            "password_again": "yeah-if-you-could",
        },
    )

    assert page.status_code == 200 and "Join Initech Systems" in page.content.decode()
    assert created.status_code == 302 and created["Location"] == "/dashboard/"
    membership = Membership.objects.get(user__email="bill@initech.example")
    assert (membership.organization, membership.roles) == (organization, ["owner"])
    assert client.get("/dashboard/").status_code == 200
    reused = client.post(
        path, {"first_name": "X", "last_name": "Y", "password": "another-pass-42", "password_again": "another-pass-42"}
    )
    assert reused.status_code == 410
    assert "already been used" in reused.content.decode()
    assert Membership.objects.count() == 1


def test_a_rejection_needs_a_reason_and_tells_the_applicant(
    client, application, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(staff_in("Channel ops"))

    without_reason = client.post(
        f"/admin/programs/applications/{application.pk}/review/", {"reject": "1", "reason": ""}
    )
    with django_capture_on_commit_callbacks(execute=True):
        rejected = client.post(
            f"/admin/programs/applications/{application.pk}/review/",
            {"reject": "1", "reason": "No storage practice yet."},
        )

    assert without_reason.status_code == 200
    application.refresh_from_db()
    assert application.status == "rejected"
    assert rejected.status_code == 302
    assert "No storage practice yet." in mailoutbox[-1].body
    assert not PartnerOrganization.objects.exists()


def test_staff_without_the_permission_cannot_review(client, application):
    client.force_login(staff_in("Finance"))

    response = client.post(f"/admin/programs/applications/{application.pk}/review/", {"approve": "1"})

    assert response.status_code in (302, 403)
    application.refresh_from_db()
    assert application.status == "pending"


def test_an_expired_invitation_link_is_refused_with_a_clear_message(client, mailoutbox, vendor_staff):
    organization = OrganizationFactory()
    _invitation, url = invitation_create(
        organization=organization,
        email="new@partner.example",
        roles=["sales"],
        invited_by=vendor_staff,
        base_url="http://testserver",
    )
    path = url.removeprefix("http://testserver")

    with time_machine.travel(timezone.now() + dt.timedelta(days=8)):
        response = client.post(
            path,
            {"first_name": "N", "last_name": "P", "password": "s3cure-enough!", "password_again": "s3cure-enough!"},
        )

    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert not Membership.objects.filter(user__email="new@partner.example").exists()
    assert Invitation.objects.get().token_hash not in path, "only the hash of the token is stored"


def test_an_unknown_link_and_a_weak_password_are_explained(client, vendor_staff):
    assert client.get("/invitations/not-a-real-token/").status_code == 410
    _invitation, url = invitation_create(
        organization=OrganizationFactory(),
        email="weak@partner.example",
        roles=["sales"],
        invited_by=vendor_staff,
        base_url="http://testserver",
    )

    response = client.post(
        url.removeprefix("http://testserver"),
        {"first_name": "W", "last_name": "P", "password": "123", "password_again": "123"},
    )

    assert response.status_code == 400
    assert "too short" in response.content.decode()
    assert not Membership.objects.exists()
