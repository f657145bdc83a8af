"""Placeholders of co-branded templates: ``{{ partner.name }}``, ``{{ field.headline }}``.

A deliberately tiny syntax instead of the Django template language: editors
can only insert values, never run tags, and every value is escaped for HTML.
"""

import re

from django.db import models
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
    "partner.tier",
    "partner.discount",
    "vendor.name",
    "vendor.colour",
    "date.today",
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


class TemplateHTMLField(models.TextField):
    """The HTML of a co-branded template. wagtail-localize offers its texts to
    translators one by one, like a rich text field's (tags, attributes and
    placeholders stay in the template), instead of as one block of markup."""

    def get_translatable_segments(self, value):
        from wagtail_localize.segments import StringSegmentValue, TemplateSegmentValue
        from wagtail_localize.strings import extract_strings

        if not value:
            return []
        template, strings = extract_strings(value)
        template, strings = _keep_placeholders_in_template(template, strings)
        return [
            TemplateSegmentValue("", "html", template, len(strings)),
            *(StringSegmentValue("", string, attrs=attrs) for string, attrs in strings),
        ]

    def restore_translated_segments(self, value, segments):
        from wagtail_localize.segments.ingest import organise_template_segments
        from wagtail_localize.strings import restore_strings

        if not segments:
            return value
        _format, template, strings = organise_template_segments(segments)
        return restore_strings(template, strings)


def _keep_placeholders_in_template(template: str, strings: list) -> tuple[str, list]:
    """Texts that are only placeholders (``{{ partner.name }}``) have nothing to
    translate: they go back into the template, the other texts are renumbered."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(template, "html.parser")
    kept = []
    for element in soup.find_all("text"):
        string, attrs = strings[int(element.get("position"))]
        if not PLACEHOLDER.sub("", string.data).strip():
            element.replace_with(string.render_soup(attrs))
        else:
            element["position"] = str(len(kept))
            kept.append((string, attrs))
    return str(soup), kept
