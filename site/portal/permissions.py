"""A signed-in user and their permissions in one query.

Django's ``ModelBackend`` loads a session's user in one query, then, the
first time a permission is asked (every page asks: the second-factor gate,
tenancy's "sees every partner"), reads the user's own permissions and their
groups' in two more, keeping the union on the user (``_perm_cache``) for the
request. :class:`UserAndPermissionsBackend` is ``ModelBackend`` with the
session's user read together with that union, by a statement the ORM
compiles once per process, so a signed-in request asks the database for the
user once. Logins, password checks and every other rule are
``ModelBackend``'s.
"""

from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connection
from django.db.models import TextField
from django.db.models.expressions import RawSQL

from programs import access_reads
from programs.compiled import CompiledQuery

#: the backend's path, as sessions name it (home's migration 0009 renamed
#: Django's ModelBackend to it in the sessions stored before)
USER_AND_PERMISSIONS_BACKEND = "portal.permissions.UserAndPermissionsBackend"

FIELDS = ("content_type__app_label", "codename")
#: a user id standing for each request's (unlike any real one)
PLACEHOLDER_USER_ID = -987_654_321
#: between permission names in the joined column (names hold no commas:
#: app labels are identifiers, codenames Django's convention)
SEPARATOR = ","


class UserAndPermissionsBackend(ModelBackend):
    def get_user(self, user_id):
        try:
            user_id = get_user_model()._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        # Kept by the process between requests until a change to the user,
        # their groups or permissions is recorded (programs.access_reads).
        user = access_reads.kept("user", user_id, lambda: access_reads.Kept(_user_with_permissions_read(user_id)))
        if user is None or not self.user_can_authenticate(user):
            return None
        return user

    def get_all_permissions(self, user_obj, obj=None):
        """As ``ModelBackend``'s, in one query for a user not loaded by
        get_user (a user object built in code, a test's)."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                permissions = Permission.objects.values_list(*FIELDS)
            else:
                with connection.cursor() as cursor:
                    cursor.execute(_permissions_statement(), [user_obj.pk, user_obj.pk])
                    permissions = cursor.fetchall()
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in permissions}
        return user_obj._perm_cache


@cache
def _permissions_statement() -> str:
    """The SQL of a user's and their groups' permissions (app label,
    codename), compiled by the ORM once per process (compiling the union
    took most of the query's time on every page); its two parameters are
    the user's id."""
    # A union rather than OR over two outer joins: each side uses its own index.
    own = Permission.objects.filter(user=0).values_list(*FIELDS).order_by()
    permissions = own.union(Permission.objects.filter(group__user=0).values_list(*FIELDS).order_by())
    sql, params = permissions.query.sql_with_params()
    if list(params) != [0, 0]:
        raise ImproperlyConfigured(f"The permissions statement's parameters changed: {params}")
    return sql


def _user_with_permissions(user_id):
    """The user with ``permission_names``: their permissions' names joined
    by SEPARATOR (or None)."""
    joined = "string_agg" if connection.vendor == "postgresql" else "group_concat"
    # Constants and the ORM's own SQL; the user's id is a parameter.
    names = RawSQL(  # noqa: S611
        f"SELECT {joined}(content_type__app_label || '.' || codename, '{SEPARATOR}') "  # noqa: S608
        f"FROM ({_permissions_statement()}) permissions",
        (user_id, user_id),
        output_field=TextField(),
    )
    return get_user_model()._default_manager.filter(pk=user_id).annotate(permission_names=names)


_USER_WITH_PERMISSIONS = CompiledQuery(_user_with_permissions, user_id=PLACEHOLDER_USER_ID)


def _user_with_permissions_read(user_id):
    """The user with their permissions' names in ``_perm_cache`` (or None)."""
    user = _USER_WITH_PERMISSIONS.first(user_id=user_id)
    if user is None:
        return None
    names = user.__dict__.pop("permission_names")
    # A superuser holds every permission: read on first use, as before.
    if not user.is_superuser:
        user._perm_cache = set(names.split(SEPARATOR)) if names else set()
    return user
