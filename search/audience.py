"""Audience in the index: which partners may see a document, as filter clauses.

A document stores one keyword list per dimension (tiers, roles, partner
types, regions: any listed value admits; "*" admits everyone) plus the
certifications a reader must all hold personally. The reader's own audience
becomes a ``filter`` clause of every query, so hits, counts, facets and
suggestions never reveal what the reader cannot open. The rule itself lives
in programs.audience; this module only translates it for Elasticsearch.
"""

from programs.audience import DIMENSIONS, EVERYONE, Audience, Reader

from .config import search_config


def audience_fields(audience: Audience | dict | None) -> dict:
    """Document fields for an audience (an Audience, or lists of keys per dimension)."""
    if not isinstance(audience, Audience):
        audience = Audience.from_lists(audience)
    fields = {f"audience_{name}": sorted(getattr(audience, name)) or [EVERYONE] for name in DIMENSIONS}
    fields["audience_certifications"] = sorted(audience.certifications)
    return fields


def fields_audience(fields: dict) -> Audience:
    """The audience stored in a document's fields."""
    return Audience.from_lists(
        {
            **{name: [v for v in fields.get(f"audience_{name}") or [] if v != EVERYONE] for name in DIMENSIONS},
            "certifications": fields.get("audience_certifications") or [],
        }
    )


def audience_filter(reader: Reader) -> list[dict] | None:
    """Filter clauses for ``reader``; None for vendor staff, who see everything.

    A user who is neither staff nor an active partner matches nothing."""
    if reader.sees_everything:
        return None
    if not reader.is_partner:
        return [{"match_none": {}}]
    clauses = [{"terms": {f"audience_{name}": [EVERYONE, *sorted(getattr(reader, name))]}} for name in DIMENSIONS]
    held = {int(pk) for pk in reader.certifications or ()}
    missing = [str(pk) for pk in sorted(search_config().certification_ids - held)]
    if missing:
        clauses.append({"bool": {"must_not": [{"terms": {"audience_certifications": missing}}]}})
    return clauses


def reader_allows(reader: Reader, audience: Audience | dict | None) -> bool:
    """Whether ``reader`` may open what ``audience`` (an Audience, lists of keys, or None: everyone) admits."""
    return reader.may_see(audience if isinstance(audience, Audience) else Audience.from_lists(audience))


def audience_allows(user, fields: dict) -> bool:
    """The rule of :func:`audience_filter`, for one document's fields in Python."""
    return Reader.for_user(user).may_see(fields_audience(fields))
