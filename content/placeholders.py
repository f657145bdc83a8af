"""Placeholders of co-branded templates: ``{{ partner.name }}``, ``{{ field.headline }}``.

A deliberately tiny syntax instead of the Django template language: editors
can only insert values, never run tags, and every value is escaped for HTML.
"""

import re

from django.utils.html import escape
from django.utils.translation import gettext as _

PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
NAME = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")

#: placeholders filled from the partner organization and the vendor branding
PARTNER_PLACEHOLDERS = (
    "partner.name",
    "partner.logo",
    "partner.email",
    "partner.phone",
    "partner.website",
    "partner.address",
    "partner.colour",
    "vendor.name",
    "vendor.colour",
)


def available(free_field_names) -> list[str]:
    return [*PARTNER_PLACEHOLDERS, *(f"field.{name}" for name in free_field_names)]


def placeholder_errors(text: str, free_field_names) -> list[str]:
    """What is wrong with the placeholders of ``text``, as messages for the editor."""
    errors = []
    allowed = set(available(free_field_names))
    for match in PLACEHOLDER.finditer(text or ""):
        name = match.group(1)
        if name not in allowed:
            errors.append(
                _("Unknown placeholder %(placeholder)s. You can use: %(available)s.")
                % {
                    "placeholder": match.group(0),
                    "available": ", ".join(f"{{{{ {item} }}}}" for item in sorted(allowed)),
                }
            )
    leftover = PLACEHOLDER.sub("", text or "")
    for marker in ("{{", "}}"):
        position = leftover.find(marker)
        if position >= 0:
            excerpt = leftover[max(0, position - 20) : position + 30].strip()
            errors.append(_("Unbalanced %(marker)s near “%(excerpt)s”.") % {"marker": marker, "excerpt": excerpt})
    return errors


def fill(text: str, values: dict[str, str], *, html: bool) -> str:
    """``text`` with every placeholder replaced by its value (escaped for HTML)."""

    def value(match):
        filled = values.get(match.group(1), "")
        return escape(filled) if html else filled

    return PLACEHOLDER.sub(value, text or "")
