"""Repeated failed logins lock that login (django-axes) with a message a person can read."""

import pytest
from django.contrib.auth.models import Permission
from django.test import override_settings

from tests.factories import PASSWORD, PartnerUserFactory, UserFactory

pytestmark = pytest.mark.django_db

FAILURE_LIMIT = 5


def fail(client, url, username, times):
    for _ in range(times):
        response = client.post(url, {"username": username, "password": "wrong password"})
        assert response.status_code == 200
        assert not response.context["user"].is_authenticated


def test_partner_login_locks_after_repeated_failures_with_a_human_message(client):
    partner = PartnerUserFactory()
    fail(client, "/login/", partner.username, FAILURE_LIMIT - 1)

    locked = client.post("/login/", {"username": partner.username, "password": "wrong password"})
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    assert "try again in 15 minutes" in locked.content.decode()

    # Even the right password is refused while the lock lasts.
    refused = client.post("/login/", {"username": partner.username, "password": PASSWORD})
    assert refused.status_code == 429
    assert not client.get("/dashboard/").wsgi_request.user.is_authenticated

    # Another person at the same address is not locked out.
    colleague = PartnerUserFactory()
    response = client.post("/login/", {"username": colleague.username, "password": PASSWORD})
    assert response.status_code == 302


def test_the_lockout_message_is_translated(client):
    partner = PartnerUserFactory()
    fail(client, "/fr/login/", partner.username, FAILURE_LIMIT - 1)

    locked = client.post("/fr/login/", {"username": partner.username, "password": "wrong password"})

    assert locked.status_code == 429
    assert "Trop de tentatives de connexion" in locked.content.decode()


def test_admin_login_locks_too(client):
    staff = UserFactory()
    staff.user_permissions.add(Permission.objects.get(codename="access_admin"))
    for _ in range(FAILURE_LIMIT - 1):
        assert client.post("/admin/login/", {"username": staff.username, "password": "wrong"}).status_code == 200

    assert client.post("/admin/login/", {"username": staff.username, "password": "wrong"}).status_code == 429
    locked = client.post("/admin/login/", {"username": staff.username, "password": PASSWORD})

    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    assert int(locked["Retry-After"]) == 15 * 60


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_proxy_the_lockout_keys_on_the_client_not_the_proxy_or_a_forged_header(client):
    partner = PartnerUserFactory()
    # Every request reaches the portal from the proxy's address; the proxy
    # appends the client's own. The attacker also forges an address of its own.
    attacker = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.7, 203.0.113.9"}
    for forged in range(FAILURE_LIMIT - 1):
        attacker["HTTP_X_FORWARDED_FOR"] = f"198.51.100.{forged}, 203.0.113.9"
        response = client.post("/login/", {"username": partner.username, "password": "wrong"}, **attacker)
        assert response.status_code == 200

    locked = client.post("/login/", {"username": partner.username, "password": "wrong"}, **attacker)
    assert locked.status_code == 429

    # The partner, at another address behind the same proxy, still logs in.
    own = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "192.0.2.44"}
    response = client.post("/login/", {"username": partner.username, "password": PASSWORD}, **own)
    assert response.status_code == 302
