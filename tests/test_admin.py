import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel_ops_user():
    group = Group.objects.create(name="Test editors")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    user = get_user_model().objects.create_user("ops", "ops@vendor.example", "correct horse battery")
    user.groups.add(group)
    return user


def test_staff_user_logs_in_to_the_admin(client, channel_ops_user):
    device = TOTPDevice.objects.create(user=channel_ops_user, name="phone", confirmed=True)
    client.post("/admin/login/", {"username": "ops", "password": "correct horse battery"})
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)

    response = client.post("/admin/second-factor/", {"token": f"{code:06d}", "next": "/admin/"}, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/admin/"
    assert response.context["user"] == channel_ops_user
    assert b"Dashboard" in response.content


def test_wrong_password_is_refused_with_a_message(client, channel_ops_user):
    response = client.post("/admin/login/", {"username": "ops", "password": "wrong"})

    assert response.status_code == 200
    assert not response.context["user"].is_authenticated
    assert b"Your username and password didn" in response.content


def test_partner_login_page_logs_a_user_in(client):
    get_user_model().objects.create_user("rep", "rep@partner.example", "correct horse battery")

    response = client.post("/login/", {"username": "rep", "password": "correct horse battery"}, follow=True)

    assert response.context["user"].username == "rep"
