"""A user's permissions in one query.

Django's ``ModelBackend`` reads a user's own permissions and their groups'
in two queries, then keeps the union on the user (``_perm_cache``) for the
request. Every page asks (the second-factor gate, tenancy's "sees every
partner"): this backend, listed before ``ModelBackend``, fills the same cache
with one query (its SQL compiled once per process), so ``ModelBackend``
answers from it. ``ModelBackend`` stays for logins and sessions: this class
authenticates no one and has no ``get_user`` (Django's test client logs in
through the first backend that has one).
"""

from functools import cache

from django.contrib.auth.models import Permission
from django.core.exceptions import ImproperlyConfigured
from django.db import connection


class PermissionsInOneQueryBackend:
    def authenticate(self, request, **credentials):
        return None

    def has_perm(self, user_obj, perm, obj=None) -> bool:
        return perm in self.get_all_permissions(user_obj, obj)

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                permissions = Permission.objects.values_list(*FIELDS)
            else:
                with connection.cursor() as cursor:
                    cursor.execute(_statement(), [user_obj.pk, user_obj.pk])
                    permissions = cursor.fetchall()
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in permissions}
        return user_obj._perm_cache


FIELDS = ("content_type__app_label", "codename")


@cache
def _statement() -> str:
    """The SQL of a user's and their groups' permissions, compiled by the ORM
    once per process (compiling the union took most of the query's time on
    every page); its two parameters are the user's id."""
    # A union rather than OR over two outer joins: each side uses its own index.
    own = Permission.objects.filter(user=0).values_list(*FIELDS).order_by()
    permissions = own.union(Permission.objects.filter(group__user=0).values_list(*FIELDS).order_by())
    sql, params = permissions.query.sql_with_params()
    if list(params) != [0, 0]:
        raise ImproperlyConfigured(f"The permissions statement's parameters changed: {params}")
    return sql
