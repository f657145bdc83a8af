"""The one place where partner-owned querysets are scoped to a user.

Every partner-facing view and API reads through :func:`scoped`, so another
organization's id is simply not found (404), never forbidden (403).

* Partner users see their own organization's rows, plus rows explicitly shared
  with them through a django-guardian *direct foreign-key* permission model
  (declare it on the model as ``sharing_permission_model``).
* Vendor staff with ``programs.view_all_partner_records`` see every row;
  channel account managers see the organizations in their portfolio.
"""

from dataclasses import dataclass
from functools import lru_cache, wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Least
from django.http import Http404
from django.urls import Resolver404, resolve
from django.utils import timezone, translation

from . import access_reads
from .compiled import PLACEHOLDER_MOMENT, CompiledQuery
from .models import Membership, OrganizationStatus, PartnerOrganization, PersonCertification
from .request_memo import in_reading_request, remembered

VIEW_ALL_PERMISSION = "programs.view_all_partner_records"
# Organizations whose people can use the partner portal.
PORTAL_STATUSES = (OrganizationStatus.ONBOARDING, OrganizationStatus.ACTIVE)


@dataclass(frozen=True)
class PartnerContext:
    """Who the signed-in partner user is, for views and selectors."""

    membership: Membership
    #: the certifications the person holds, when read with the membership
    #: (see :func:`partner_context`); None: ask programs.audience.held_certifications
    held_certification_ids: tuple[int, ...] | None = None

    @property
    def user(self):
        return self.membership.user

    @property
    def organization(self) -> PartnerOrganization:
        return self.membership.organization

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(self.membership.roles)

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


def partner_context(user) -> PartnerContext | None:
    """The user's active membership in an organization allowed on the portal."""
    if not getattr(user, "is_authenticated", False):
        return None
    # Remembered on the user object, which lives for one request (like
    # Django's permission cache): views, menus and search ask several times.
    if hasattr(user, "_partner_context_cache"):
        return user._partner_context_cache
    # Every partner page that checks an audience needs the person's
    # certifications: in a reading request they come with the membership (one
    # query fewer a page). Elsewhere (a write may earn one, a task outlives
    # the moment) they are read when asked; SQLite has no array subquery.
    with_certifications = in_reading_request() and connection.vendor == "postgresql"
    if with_certifications:
        # Kept by the process between requests until a change to it is
        # recorded or a certification is earned or expires (programs.access_reads).
        at = timezone.now()
        membership = access_reads.kept("membership", user.pk, lambda: _membership_read(user.pk, at), at=at)
    else:
        membership = _MEMBERSHIP.first(user_id=user.pk)
    if membership is None:
        user._partner_context_cache = None
    else:
        # The user asking, not a second copy read with the membership: what
        # is remembered on it (this context, its permissions) serves the
        # callers that pass ``partner.user`` on.
        membership.user = user
        held_ids = tuple(membership.held_certification_ids) if with_certifications else None
        user._partner_context_cache = PartnerContext(membership, held_certification_ids=held_ids)
    return user._partner_context_cache


def _memberships(user_id):
    return Membership.objects.select_related("organization", "organization__tier", "organization__partner_type").filter(
        user=user_id, is_active=True, organization__status__in=PORTAL_STATUSES
    )


def _memberships_with_certifications(user_id, at):
    held = PersonCertification.objects.filter(user_id=OuterRef("user_id")).valid_at(at)
    records = PersonCertification.objects.filter(user_id=OuterRef("user_id"))
    next_dates = [
        Subquery(records.filter(**{f"{field}__gt": at}).order_by(field).values(field)[:1])
        for field in ("earned_at", "expires_at")
    ]
    return _memberships(user_id).annotate(
        held_certification_ids=ArraySubquery(held.order_by("certification_id").values("certification_id")),
        # when the certifications held change by themselves (PostgreSQL's
        # LEAST skips NULLs; NULL: never)
        certifications_change_at=Least(*next_dates),
    )


def _membership_read(user_id, at) -> access_reads.Kept:
    membership = _MEMBERSHIP_WITH_CERTIFICATIONS.first(user_id=user_id, at=at)
    if membership is None:
        return access_reads.Kept(None)
    return access_reads.Kept(
        membership, organization_id=membership.organization_id, valid_until=membership.certifications_change_at
    )


# Compiled once per process (building and compiling them took most of the
# membership's cost on every partner page); the values are placeholders.
_MEMBERSHIP = CompiledQuery(_memberships, user_id=-918_273_645)
_MEMBERSHIP_WITH_CERTIFICATIONS = CompiledQuery(
    _memberships_with_certifications, user_id=-918_273_645, at=PLACEHOLDER_MOMENT
)


def sees_every_partner(user) -> bool:
    """Vendor staff who see every partner's records (channel ops, finance), not a portfolio."""
    return user.is_superuser or user.has_perm(VIEW_ALL_PERMISSION)


def scoped(queryset: QuerySet, user, *, organization_field: str = "organization", action: str = "view") -> QuerySet:
    """Rows of ``queryset`` that ``user`` may see.

    ``organization_field`` is the lookup from the model to its organization
    (``"organization"`` for partner-owned rows, ``""`` for the organization
    model itself). ``action`` ("view", "change") selects which explicit
    grants count: a record shared for viewing cannot be changed by the grantee.
    Explicit grants count only for an active member of an organization on
    the portal.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    organization_lookup = f"{organization_field}__" if organization_field else ""
    if sees_every_partner(user):
        return queryset
    # The request's partner context (looked up once per request, like the
    # views' own) rather than a query per scoped read.
    partner = partner_context(user)
    membership = partner.membership if partner is not None else None
    # The organizations are looked up first and the rows filtered by their
    # ids: "CAM of the row's organization OR the member's organization" in
    # one WHERE joins every row to its organization before filtering, which
    # made PostgreSQL scan whole tables (the earnings page read every ledger
    # line: bench/incentives.py). A list of ids uses the organization index.
    organization_ids = _organization_ids(user, membership)
    visible = Q(**{f"{organization_lookup}pk__in": organization_ids})
    sharing_model = getattr(queryset.model, "sharing_permission_model", None)
    # Grants are given to a partner's person: they lapse with that person's
    # access (membership deactivated, organization suspended) without
    # anyone having to find and delete them.
    if sharing_model is not None and membership is not None:
        shared_ids = list(
            sharing_model.objects.filter(
                user=user, permission__codename=f"{action}_{queryset.model._meta.model_name}"
            ).values_list("content_object_id", flat=True)
        )
        if shared_ids:
            visible |= Q(pk__in=shared_ids)
    return queryset.filter(visible)


def _organization_ids(user, membership) -> list[int]:
    """The organizations ``user`` manages as CAM, and their own: remembered
    for one reading request only (``programs.request_memo``), since a
    dashboard scopes a read in every panel; writes and tasks ask every time."""
    portfolio = Q(channel_account_manager=user)
    if membership is not None:
        portfolio |= Q(pk=membership.organization_id)
    key = ("visible_organizations", user.pk, membership.organization_id if membership is not None else None)
    return remembered(key, lambda: list(PartnerOrganization.objects.filter(portfolio).values_list("pk", flat=True)))


def get_scoped_or_404(
    queryset: QuerySet, user, *, organization_field: str = "organization", action: str = "view", **lookup
):
    """One row the user may see (or change), else 404 (also for other tenants' ids)."""
    try:
        return scoped(queryset, user, organization_field=organization_field, action=action).get(**lookup)
    except queryset.model.DoesNotExist as missing:
        raise Http404(f"No {queryset.model._meta.verbose_name} matches the given query.") from missing


def partner_required(*roles: str):
    """View decorator: a signed-in partner user (holding one of ``roles`` if
    given); sets ``request.partner``. Others are sent to log in, or get 404."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            context = partner_context(request.user)
            if context is None or (roles and not context.has_role(*roles)):
                raise Http404("This page is only available to partner users.")
            request.partner = context
            return view(request, *args, **kwargs)

        #: read by ``partner_may_open`` so links are offered only to those who may follow them
        wrapper.partner_roles = roles
        return wrapper

    return decorator


def partner_may_open(partner: PartnerContext, url: str) -> bool:
    """Whether ``partner`` may open the partner page at ``url`` (a view guarded
    by ``partner_required`` with roles they lack would answer 404): pages
    offer a link only where it leads somewhere."""
    roles = _roles_asked_at(settings.ROOT_URLCONF, translation.get_language(), urlsplit(url).path)
    return roles is not None and (not roles or partner.has_role(*roles))


@lru_cache(maxsize=2048)
def _roles_asked_at(urlconf: str, language: str | None, path: str) -> tuple[str, ...] | None:
    """The roles the view at ``path`` asks for (None: no view there), kept for
    the process: resolving walks the URL patterns (about 4 ms) and the shell
    asks for each of its links on every page. The language is part of the key
    because language-prefixed patterns resolve only in their language."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return tuple(getattr(match.func, "partner_roles", ()))
