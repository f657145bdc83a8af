"""Audience in the index: which partners may see a document, as filter clauses.

A document stores one keyword list per dimension (tiers, roles, partner
types, regions: any listed value admits; "*" admits everyone) plus the
certifications a reader must all hold personally. The reader's own audience becomes a
``filter`` clause of every query, so hits, counts, facets and suggestions
never reveal what the reader cannot open.
"""

from django.db.models import Q as DbQ
from django.utils import timezone
from elasticsearch.dsl import Q

from programs.models import Certification, PersonCertification
from programs.tenancy import partner_context

EVERYONE = "*"
DIMENSIONS = ("tiers", "roles", "partner_types", "regions")


def audience_fields(audience: dict | None) -> dict:
    """Document fields for an audience given as lists of ids/codes per
    dimension (empty or missing: everyone) and required certification ids."""
    audience = audience or {}
    fields = {
        f"audience_{dimension}": [str(value) for value in audience.get(dimension) or []] or [EVERYONE]
        for dimension in DIMENSIONS
    }
    fields["audience_certifications"] = [str(value) for value in audience.get("certifications") or []]
    return fields


def sees_everything(user) -> bool:
    return bool(user.is_active and (user.is_superuser or user.has_perm("wagtailadmin.access_admin")))


def _reader(user) -> dict | None:
    partner = partner_context(user)
    if partner is None:
        return None
    organization = partner.organization
    return {
        "tiers": [organization.tier_id] if organization.tier_id else [],
        "roles": sorted(partner.roles),
        "partner_types": [organization.partner_type_id],
        "regions": [organization.region_id],
    }


def audience_filter(user) -> list | None:
    """Filter clauses for ``user``; None for vendor staff, who see everything.

    A user who is neither staff nor an active partner matches nothing."""
    if not getattr(user, "is_authenticated", False):
        return [Q("match_none")]
    if sees_everything(user):
        return None
    reader = _reader(user)
    if reader is None:
        return [Q("match_none")]
    clauses = [
        Q("terms", **{f"audience_{dimension}": [EVERYONE, *map(str, values)]}) for dimension, values in reader.items()
    ]
    held = _held_certifications(user)
    missing = [str(pk) for pk in Certification.objects.exclude(pk__in=held).values_list("pk", flat=True)]
    if missing:
        clauses.append(~Q("terms", audience_certifications=missing))
    return clauses


def _held_certifications(user) -> set[int]:
    """Certifications the reader personally holds today."""
    now = timezone.now()
    return set(
        PersonCertification.objects.filter(user=user, earned_at__lte=now)
        .filter(DbQ(expires_at__isnull=True) | DbQ(expires_at__gt=now))
        .values_list("certification_id", flat=True)
    )


def audience_allows(user, fields: dict) -> bool:
    """The rule of :func:`audience_filter`, for one document's fields in Python."""
    if not getattr(user, "is_authenticated", False):
        return False
    if sees_everything(user):
        return True
    reader = _reader(user)
    if reader is None:
        return False
    for dimension, values in reader.items():
        allowed = set(fields.get(f"audience_{dimension}") or [EVERYONE])
        if EVERYONE not in allowed and not allowed & {str(value) for value in values}:
            return False
    required = set(fields.get("audience_certifications") or [])
    return required <= {str(pk) for pk in _held_certifications(user)}
