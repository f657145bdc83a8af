"""portal.permissions: a user's own and their groups' permissions, read in
one statement (compiled once per process) and kept for the request."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

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
