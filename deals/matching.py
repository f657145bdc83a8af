"""Normalization of end-customer identities and detection of conflicting
registrations.

On PostgreSQL names are compared with pg_trgm similarity (served by the
partial GIN index of migration 0002); on SQLite, the embedded default, the
same function degrades to exact and word-prefix matching of the normalized
name. Domains always match exactly.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .reference import FREE_MAIL_DOMAINS

# Legal-form words removed from the end of a company name (after dots and
# apostrophes are dropped, so "S.A." is "sa" and "Co." is "co").
_LEGAL_SUFFIXES_TEXT = """
    inc incorporated corp corporation co company ltd limited llc llp lp plc gmbh ag kg sa sas sarl srl spa bv nv
    kk oy ab as pty pte sl sc gk
    """
LEGAL_SUFFIXES = frozenset(_LEGAL_SUFFIXES_TEXT.split())
# Legal forms written as several words once punctuation is gone ("S. A.", "Pty Ltd").
LEGAL_SUFFIX_PHRASES = (("s", "a"), ("s", "a", "s"), ("s", "r", "l"), ("b", "v"), ("n", "v"), ("k", "k"))

_DOMAIN_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_TOP_LEVEL = re.compile(r"^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")


def normalize_company_name(name: str) -> str:
    """``"ACME, Inc."`` and ``"Acme Incorporated"`` both become ``"acme"``.

    Lower case, accents and punctuation removed, ``&`` read as "and", a
    leading "the" and trailing legal forms dropped (never the last word).
    """
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(char for char in text if not unicodedata.combining(char)).lower()
    text = text.replace("&", " and ")
    text = re.sub(r"[.'’]", "", text)
    words = re.sub(r"[^\w]+", " ", text).split()
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    changed = True
    while changed and len(words) > 1:
        changed = False
        for phrase in LEGAL_SUFFIX_PHRASES:
            if len(words) > len(phrase) and tuple(words[-len(phrase) :]) == phrase:
                words = words[: -len(phrase)]
                changed = True
        if len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
            words = words[:-1]
            changed = True
        if len(words) > 1 and words[-1] == "and":
            words = words[:-1]
            changed = True
    return " ".join(words)


def normalize_domain(value: str) -> str:
    """The bare host of a website address, e-mail address or domain.

    ``"https://www.Acme.com/about"``, ``"jane@acme.com"`` and ``"acme.com"``
    all give ``"acme.com"``; ``""`` stays ``""``. Raises ``ValidationError``
    for anything that is not a plausible domain name.
    """
    text = (value or "").strip().lower()
    if not text:
        return ""
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text)
    text = text.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    if "@" in text:
        text = text.rsplit("@", 1)[1]
    text = text.split(":", 1)[0].rstrip(".")
    if text.startswith("www."):
        text = text[4:]
    try:
        text = text.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise ValidationError(_("Enter a website or e-mail domain such as acme.com."), code="domain") from error
    labels = text.split(".")
    if len(labels) < 2 or not all(_DOMAIN_LABEL.match(label) for label in labels) or not _TOP_LEVEL.match(labels[-1]):
        raise ValidationError(_("Enter a website or e-mail domain such as acme.com."), code="domain")
    return text


def matchable_domain(domain: str) -> str:
    """The domain if it identifies a company (not a free mailbox provider)."""
    return "" if domain in FREE_MAIL_DOMAINS else domain


def lock_keys(*, normalized_name: str, domain: str) -> list[str]:
    """Advisory-lock keys serializing registrations that could conflict: the
    domain and the first word of the name (so "Acme" and "Acme Storage" wait
    for each other while the fuzzy check runs)."""
    keys = {f"name:{normalized_name.split(' ', 1)[0]}"} if normalized_name else set()
    if matchable_domain(domain):
        keys.add(f"domain:{domain}")
    return sorted(keys)


def claim_keys(*, normalized_name: str, domain: str, country: str) -> list[str]:
    """Keys under which an approved registration holds its protection; the
    unique constraint on (key, product line) allows one holder per key."""
    keys = [f"name:{country}:{normalized_name}"] if normalized_name else []
    if matchable_domain(domain):
        keys.append(f"domain:{domain}")
    return keys


def prefix_similarity(first: str, second: str) -> float:
    """SQLite stand-in for trigram similarity: 1 for equal names, the length
    ratio when one is a whole-word prefix of the other, else 0."""
    if not first or not second:
        return 0.0
    if first == second:
        return 1.0
    shorter, longer = sorted((first, second), key=len)
    if longer.startswith(shorter + " "):
        return len(shorter) / len(longer)
    return 0.0


@dataclass
class ConflictMatch:
    """One active registration of another partner that looks like the same opportunity."""

    deal_id: int
    organization_id: int
    score: Decimal
    name_similarity: Decimal
    same_domain: str = ""
    same_country: str = ""
    product_lines: list[str] = field(default_factory=list)

    @property
    def explanation(self) -> str:
        parts = []
        if self.same_domain:
            parts.append(f"same domain {self.same_domain}")
        if self.name_similarity > 0:
            parts.append(f"name {int(self.name_similarity * 100)}% similar")
        if self.same_country:
            parts.append(f"same country {self.same_country}")
        if self.product_lines:
            label = "overlapping product line" if len(self.product_lines) == 1 else "overlapping product lines"
            parts.append(f"{label} {', '.join(self.product_lines)}")
        return ", ".join(parts)


def find_conflicts(
    *,
    normalized_name: str,
    domain: str,
    country: str,
    product_line_ids: list[int],
    exclude_organization_id: int | None,
    threshold: Decimal,
    exclude_deal_id: int | None = None,
) -> list[ConflictMatch]:
    """Active registrations of other partners for the same customer and an
    overlapping product line, best match first.

    A match needs an overlapping product line and either the same (company)
    domain, or a name at least ``threshold`` similar in the same country.
    Must run inside a transaction on PostgreSQL (it sets the trigram
    threshold for the transaction only).
    """
    from .models import ACTIVE_STATUSES, DealRegistration

    domain = matchable_domain(domain)
    if not product_line_ids or not (normalized_name or domain):
        return []
    candidates = DealRegistration.objects.filter(
        status__in=ACTIVE_STATUSES, product_lines__in=product_line_ids
    ).distinct()
    if exclude_organization_id is not None:
        candidates = candidates.exclude(organization_id=exclude_organization_id)
    if exclude_deal_id is not None:
        candidates = candidates.exclude(pk=exclude_deal_id)
    name_match = Q()
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import TrigramSimilarity

        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [str(threshold)])
        if normalized_name:
            # ``%`` (trigram_similar) is what the GIN index serves.
            name_match = Q(country=country, normalized_name__trigram_similar=normalized_name)
        candidates = candidates.annotate(name_similarity=TrigramSimilarity("normalized_name", normalized_name))
    elif normalized_name:
        words = normalized_name.split()
        prefixes = [" ".join(words[:size]) for size in range(1, len(words) + 1)]
        name_match = Q(country=country) & (
            Q(normalized_name__in=prefixes) | Q(normalized_name__startswith=normalized_name + " ")
        )
    domain_match = Q(domain=domain) if domain else Q()
    fields = ["pk", "organization_id", "normalized_name", "domain", "country"]
    if connection.vendor == "postgresql":
        fields.append("name_similarity")
    rows = list(candidates.filter(name_match | domain_match).values(*fields)[:50])
    if not rows:
        return []
    from .models import DealProductLine

    overlaps: dict[int, list[str]] = {}
    for deal_id, line_name in DealProductLine.objects.filter(
        deal_id__in=[row["pk"] for row in rows], product_line_id__in=product_line_ids
    ).values_list("deal_id", "product_line__name"):
        overlaps.setdefault(deal_id, []).append(line_name)
    matches = []
    for row in rows:
        similarity = row.get("name_similarity")
        if similarity is None:
            similarity = prefix_similarity(normalized_name, row["normalized_name"])
        similarity = Decimal(str(round(float(similarity), 2)))
        same_domain = domain if domain and row["domain"] == domain else ""
        same_country = country if row["country"] == country else ""
        if not same_domain and not (same_country and similarity >= threshold):
            continue
        score = max(similarity, Decimal("1.00") if same_domain else Decimal("0"))
        matches.append(
            ConflictMatch(
                deal_id=row["pk"],
                organization_id=row["organization_id"],
                score=score,
                name_similarity=similarity,
                same_domain=same_domain,
                same_country=same_country,
                product_lines=sorted(overlaps.get(row["pk"], [])),
            )
        )
    matches.sort(key=lambda match: (-match.score, match.deal_id))
    return matches
