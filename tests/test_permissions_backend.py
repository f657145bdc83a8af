"""portal.permissions: a user's own and their groups' permissions, read in
one statement (compiled once per process) and kept for the request; a
signed-in request reads its user together with them."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.permissions import FIELDS, USER_AND_PERMISSIONS_BACKEND
from portal.sessions import SessionStore
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _permission(codename: str) -> Permission:
    return Permission.objects.get(codename=codename)


def test_own_and_group_permissions_in_one_query():
    editors = Group.objects.create(name="Permission backend test group")
    editors.permissions.add(_permission("access_admin"))
    both = UserFactory()
    both.groups.add(editors)
    both.user_permissions.add(_permission("view_all_partner_records"))
    grouped, own, neither = UserFactory(), UserFactory(), UserFactory()
    grouped.groups.add(editors)
    own.user_permissions.add(_permission("access_admin"))

    with CaptureQueriesContext(connection) as queries:
        assert both.has_perm("wagtailadmin.access_admin")
        assert both.has_perm("programs.view_all_partner_records")
        assert not both.has_perm("programs.delete_partnerorganization")
    assert len(queries) == 1
    assert grouped.has_perm("wagtailadmin.access_admin")
    assert not grouped.has_perm("programs.view_all_partner_records")
    assert own.get_all_permissions() == {"wagtailadmin.access_admin"}
    assert neither.get_all_permissions() == set()
    assert not neither.has_perm("wagtailadmin.access_admin")


def _statements_reading(queries, table: str) -> list[str]:
    return [query["sql"] for query in queries.captured_queries if f'"{table}"' in query["sql"]]


def test_a_signed_in_request_reads_its_user_with_their_permissions_in_one_query(client):
    sellers = Group.objects.create(name="Permission backend request group")
    sellers.permissions.add(_permission("view_all_partner_records"))
    person = UserFactory()
    person.groups.add(sellers)
    person.user_permissions.add(_permission("view_partnerorganization"))
    client.force_login(person)

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/search/autocomplete/?q=")
    assert response.status_code == 200
    # The user and the permissions the second-factor gate asked about: one statement.
    (statement,) = _statements_reading(queries, "auth_permission")
    assert _statements_reading(queries, "auth_user") == [statement]
    user = response.wsgi_request.user
    assert user == person
    with CaptureQueriesContext(connection) as later:
        assert user.get_all_permissions() == {
            "programs.view_all_partner_records",
            "programs.view_partnerorganization",
        }
        assert not user.has_perm("wagtailadmin.access_admin")
    assert len(later) == 0


def test_a_permission_taken_away_counts_from_the_next_request(client):
    editors = Group.objects.create(name="Permission backend admin group")
    editors.permissions.add(_permission("access_admin"))
    person = UserFactory()
    person.groups.add(editors)
    client.force_login(person)

    assert client.get("/admin/").status_code == 200
    person.groups.remove(editors)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert not response.wsgi_request.user.has_perm("wagtailadmin.access_admin")


def test_a_deactivated_user_is_signed_out(client):
    person = UserFactory()
    client.force_login(person)
    assert client.get("/search/autocomplete/?q=").wsgi_request.user.is_authenticated
    person.is_active = False
    person.save(update_fields=["is_active"])
    assert not client.get("/search/autocomplete/?q=").wsgi_request.user.is_authenticated


def test_a_superuser_holds_every_permission(client):
    admin = UserFactory(is_superuser=True)
    client.force_login(admin)
    user = client.get("/search/autocomplete/?q=").wsgi_request.user
    assert user.is_superuser
    assert user.get_all_permissions() == {
        f"{app_label}.{codename}" for app_label, codename in Permission.objects.values_list(*FIELDS)
    }


def test_sessions_of_logins_before_the_backend_changed_stay_signed_in(client):
    person = UserFactory()
    session = SessionStore()
    session[SESSION_KEY] = str(person.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = person.get_session_auth_hash()
    session.create()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    # Django's ModelBackend is no longer listed: such a session loads no one...
    assert not client.get("/search/autocomplete/?q=").wsgi_request.user.is_authenticated

    # ...until the migration names the backend that replaced it.
    renaming = importlib.import_module("home.migrations.0009_sessions_name_the_user_and_permissions_backend")
    renaming.forwards(django_apps, None)
    assert client.get("/search/autocomplete/?q=").wsgi_request.user == person
    assert SessionStore(session.session_key).load()[BACKEND_SESSION_KEY] == USER_AND_PERMISSIONS_BACKEND
    renaming.backwards(django_apps, None)
    assert SessionStore(session.session_key).load()[BACKEND_SESSION_KEY] == "django.contrib.auth.backends.ModelBackend"
