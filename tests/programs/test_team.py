"""Partner owners manage their colleagues."""

import pytest

from programs.models import Invitation, Membership
from tests.factories import PASSWORD, OrganizationFactory, PartnerUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def organization():
    return OrganizationFactory()


@pytest.fixture
def owner(client, organization):
    user = PartnerUserFactory(organization=organization, roles=["owner"])
    assert client.login(username=user.username, password=PASSWORD)
    return user


def test_an_owner_invites_a_colleague_by_email(client, owner, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/team/", {"email": "rep@partner.example", "roles": ["sales", "marketing"]})

    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.roles, invitation.invited_by) == (
        "rep@partner.example",
        ["sales", "marketing"],
        owner,
    )
    assert "/invitations/" in mailoutbox[-1].body
    owner.membership.organization.refresh_from_db()
    assert owner.membership.organization.first_action_at is not None, "time to first action is recorded"
    assert "rep@partner.example" in client.get("/team/").content.decode()


def test_an_invalid_invitation_is_refused_and_nothing_stored(client, owner):
    response = client.post("/team/", {"email": "not-an-email", "roles": []})

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "email" in errors and "roles" in errors
    assert not Invitation.objects.exists()


def test_an_owner_deactivates_a_colleague_but_not_the_last_owner(client, owner, organization):
    colleague = PartnerUserFactory(organization=organization, roles=["sales"])

    client.post(f"/team/{colleague.membership.pk}/deactivate/")
    colleague.membership.refresh_from_db()
    assert colleague.membership.is_active is False
    client.logout()
    assert client.login(username=colleague.username, password=PASSWORD)
    assert client.get("/dashboard/").status_code == 404, "a deactivated colleague is off the portal"

    client.force_login(owner)
    self_removal = client.post(f"/team/{owner.membership.pk}/deactivate/", follow=True)
    assert "You cannot deactivate yourself" in self_removal.content.decode()
    assert Membership.objects.get(user=owner).is_active


def test_the_last_active_owner_stays(client, owner, organization):
    second_owner = PartnerUserFactory(organization=organization, roles=["owner"])
    client.post(f"/team/{second_owner.membership.pk}/deactivate/")
    client.force_login(second_owner)

    response = client.post(f"/team/{owner.membership.pk}/deactivate/", follow=True)

    assert response.status_code == 404, "the deactivated owner has no portal access any more"
    assert Membership.objects.get(user=owner).is_active


def test_a_sales_rep_sees_the_team_but_cannot_change_it(client, organization, owner):
    rep = PartnerUserFactory(organization=organization, roles=["sales"])
    client.force_login(rep)

    listing = client.get("/team/")
    attempt = client.post(f"/team/{owner.membership.pk}/deactivate/")

    assert listing.status_code == 200 and "Invite a colleague" not in listing.content.decode()
    assert attempt.status_code == 404
    assert Membership.objects.get(user=owner).is_active


def test_an_owner_withdraws_a_pending_invitation(client, owner):
    client.post("/team/", {"email": "late@partner.example", "roles": ["finance"]})
    invitation = Invitation.objects.get()

    client.post(f"/team/invitations/{invitation.pk}/revoke/")

    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert list(client.get("/team/").context["pending"]) == []
