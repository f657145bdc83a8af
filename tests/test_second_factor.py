"""Staff reach the admin only with a confirmed authenticator (django-otp TOTP);
partners log in with their password alone."""

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD, PartnerUserFactory, UserFactory

pytestmark = pytest.mark.django_db


def current_code(device):
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


@pytest.fixture
def staff():
    user = UserFactory()
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    return user


def password_login(client, user):
    return client.post("/admin/login/", {"username": user.username, "password": PASSWORD}, follow=True)


def test_staff_without_a_device_cannot_reach_the_admin_until_they_set_one_up(client, staff):
    response = password_login(client, staff)

    assert response.redirect_chain[-1][0].startswith("/admin/second-factor/setup/")
    assert b"Set up your authenticator app" in response.content
    for url in ("/admin/", "/admin/snippets/programs/partnerorganization/", "/dashboard/", "/api/v1/deals/"):
        refused = client.get(url)
        assert refused.status_code == 302, url
        assert refused["Location"].startswith("/admin/second-factor/setup/"), url

    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        wrong = "000000" if current_code(device) != "000000" else "111111"
        refused = client.post("/admin/second-factor/setup/", {"token": wrong})
        assert b"This code is not right" in refused.content
        assert client.get("/admin/").status_code == 302
        clock.shift(2)  # past the wait after a wrong code
        device.refresh_from_db()

        done = client.post(
            "/admin/second-factor/setup/", {"token": current_code(device), "next": "/admin/"}, follow=True
        )

    assert done.redirect_chain[-1][0] == "/admin/"
    assert b"Dashboard" in done.content
    device.refresh_from_db()
    assert device.confirmed


def test_staff_with_a_device_enter_its_code_after_the_password(client, staff):
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)

    response = password_login(client, staff)

    assert response.redirect_chain[-1][0].startswith("/admin/second-factor/")
    assert b"Enter your code" in response.content
    assert client.get("/admin/").status_code == 302
    # A stolen password cannot add a second device.
    assert client.get("/admin/second-factor/setup/")["Location"] == "/admin/second-factor/"

    done = client.post("/admin/second-factor/", {"token": current_code(device), "next": "/admin/"}, follow=True)

    assert done.redirect_chain[-1][0] == "/admin/"
    assert b"Dashboard" in done.content


def test_wrong_codes_are_throttled(client, staff):
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    password_login(client, staff)
    wrong = "000000" if current_code(device) != "000000" else "111111"

    # The clock stands still: the wait after a wrong code has not passed.
    with time_machine.travel(timezone.now(), tick=False):
        client.post("/admin/second-factor/", {"token": wrong})
        response = client.post("/admin/second-factor/", {"token": current_code(device)})

    assert b"Too many wrong codes" in response.content
    assert client.get("/admin/").status_code == 302


def test_partner_logins_are_not_asked_for_a_second_factor(client):
    partner = PartnerUserFactory()

    response = client.post("/login/", {"username": partner.username, "password": PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == "/dashboard/"
    assert response.status_code == 200
    assert not TOTPDevice.objects.filter(user=partner).exists()
