"""Audience: which partners may see a piece of content, and who is reading.

One rule decides "may this reader see this", for pages (menus, listings,
direct URLs, sitemaps, the API), downloads and search documents alike.

An audience lists allowed values per dimension (tiers, roles, partner types,
regions; empty means every partner) and the certifications a reader must all
hold personally. Tiers and partner types are translatable snippets, so they
are keyed by ``translation_key``: the French copy of a tier admits the same
partners as the English one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from .models import PersonCertification
from .tenancy import partner_context

EVERYONE = "*"
#: what a dimension holds when narrowing left no value in common
NOBODY = "-"
DIMENSIONS = ("tiers", "roles", "partner_types", "regions")


def _keys(values) -> frozenset[str]:
    return frozenset(str(value) for value in values or ())


@dataclass(frozen=True)
class Audience:
    tiers: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()
    partner_types: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    certifications: frozenset[str] = frozenset()

    @classmethod
    def from_lists(cls, values: dict | None) -> Audience:
        values = values or {}
        return cls(**{name: _keys(values.get(name)) for name in (*DIMENSIONS, "certifications")})

    def as_lists(self) -> dict[str, list[str]]:
        return {name: sorted(getattr(self, name)) for name in (*DIMENSIONS, "certifications")}

    @property
    def is_everyone(self) -> bool:
        return not any(getattr(self, name) for name in (*DIMENSIONS, "certifications"))

    def narrowed_by(self, inner: Audience) -> Audience:
        """This audience further limited by a page below it: a child page can
        narrow its section's audience, never widen it."""
        narrowed = {}
        for name in DIMENSIONS:
            outer_values, inner_values = getattr(self, name), getattr(inner, name)
            if not outer_values or not inner_values:
                narrowed[name] = outer_values or inner_values
            else:
                narrowed[name] = (outer_values & inner_values) or frozenset({NOBODY})
        narrowed["certifications"] = self.certifications | inner.certifications
        return Audience(**narrowed)


@dataclass(frozen=True)
class Reader:
    """Who is looking. ``None`` in a dimension matches any audience value
    (vendor staff previewing "as a Gold partner" leave the other dimensions open)."""

    sees_everything: bool = False
    is_partner: bool = False
    tiers: frozenset[str] | None = frozenset()
    roles: frozenset[str] | None = frozenset()
    partner_types: frozenset[str] | None = frozenset()
    regions: frozenset[str] | None = frozenset()
    certifications: frozenset[str] | None = frozenset()
    #: computed once per reader by content.audience (hidden page paths)
    cache: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    @classmethod
    def for_user(cls, user) -> Reader:
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return cls()
        if user.is_superuser:
            return cls(sees_everything=True)
        # A partner member reads as a partner; only then are the (two-query)
        # permissions worth loading to recognise vendor staff.
        partner = partner_context(user)
        if partner is None:
            return cls(sees_everything=True) if user.has_perm("wagtailadmin.access_admin") else cls()
        organization = partner.organization
        return cls(
            is_partner=True,
            tiers=_keys([organization.tier.translation_key] if organization.tier_id else []),
            roles=_keys(partner.roles),
            partner_types=_keys([organization.partner_type.translation_key]),
            regions=_keys([organization.region_id]),
            certifications=_keys(
                held_certifications(user) if partner.held_certification_ids is None else partner.held_certification_ids
            ),
        )

    @classmethod
    def preview(cls, **dimensions) -> Reader:
        """A partner as vendor staff imagine them: given dimensions fixed, the others open."""
        open_reader = cls(
            is_partner=True, tiers=None, roles=None, partner_types=None, regions=None, certifications=None
        )
        return replace(open_reader, **{name: _keys(values) for name, values in dimensions.items()})

    def may_see(self, audience: Audience) -> bool:
        if self.sees_everything:
            return True
        if not self.is_partner:
            return False
        for name in DIMENSIONS:
            allowed, held = getattr(audience, name), getattr(self, name)
            if allowed and held is not None and not allowed & held:
                return False
        return self.certifications is None or audience.certifications <= self.certifications


def held_certifications(user) -> list[int]:
    """Certifications the person holds today."""
    return list(PersonCertification.objects.filter(user=user).valid_at().values_list("certification_id", flat=True))
