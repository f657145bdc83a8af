"""Template tags of the partner shell and its components."""

import functools

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _
from heroicons import IconDoesNotExist
from heroicons.templatetags.heroicons import heroicon_outline
from wagtail import hooks

from content import selectors as content_selectors
from home.branding import brand_tokens as tokens_for
from home.navigation import partner_navigation as navigation_for
from programs.languages import portal_languages as configured_languages

register = template.Library()


@register.simple_tag(takes_context=True)
def partner_navigation(context):
    """``{% partner_navigation as nav %}``: tabs, menu and sections for the reader (None if not a partner)."""
    request = context.get("request")
    return navigation_for(request) if request is not None else None


@register.simple_tag
def portal_languages():
    """The language switcher's choices: the languages with a locale in the admin."""
    return configured_languages()


@register.simple_tag
def brand_tokens(colour):
    """The CSS custom properties of the vendor's brand colour, contrast-checked."""
    tokens = tokens_for(colour)
    return format_html(
        ":root{{--brand:{};--on-brand:{};--brand-text:{};}}", tokens.brand, tokens.on_brand, tokens.brand_text
    )


@register.simple_tag
@functools.lru_cache(maxsize=512)
def icon(name, size=20, css_class="icon"):
    """``{% icon "home" %}``: a decorative heroicons outline icon (hidden from screen readers).

    Kept per name, size and class for the process: the icons are files of a
    package, and each rendering copies and serializes an SVG tree (a shell
    page draws about thirty)."""
    attributes = {"class": css_class, "focusable": "false"}
    try:
        return heroicon_outline(name, size=size, **attributes)
    except IconDoesNotExist:
        # An app registering a misspelt icon name must not break every page.
        return heroicon_outline("squares-2x2", size=size, **attributes)


@register.simple_tag(takes_context=True)
def header_notifications(context):
    """What the ``partner_header_notifications`` hooks report for the bell:
    each hook takes the request and returns ``{"count": int, "url": str,
    "label": str}`` or None; the first with a count wins."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return None
    for hook in hooks.get_hooks("partner_header_notifications"):
        found = hook(request)
        if found:
            return found
    return None


@register.simple_tag
def trail(*labels_and_urls):
    """``{% trail label1 url1 label2 url2 as crumbs %}``: breadcrumbs above the
    current page for ``components/page_header.html`` (Home is added there)."""
    pairs = zip(labels_and_urls[::2], labels_and_urls[1::2], strict=False)
    return [{"label": label, "url": url} for label, url in pairs]


@register.simple_tag(takes_context=True)
def page_trail(context, page):
    """Breadcrumbs of a portal page: its ancestors below the site root, the
    content home first, through the audience like every page listing."""
    request = context.get("request")
    if page is None or request is None:
        return []
    ancestors = content_selectors.breadcrumb_pages(request, page)
    crumbs = [{"label": ancestor.title, "url": ancestor.get_url(request)} for ancestor in ancestors]
    if crumbs:
        crumbs[0]["label"] = _("Content")
    return crumbs


@register.simple_tag
def field_widget(field):
    """A field's input tied to its hint and error (``aria-describedby``,
    ``aria-invalid``). A length limit becomes ``data-maxlength`` with a live
    counter (portal.js) and the form's own error: a browser ``maxlength``
    would silently cut pasted text."""
    described_by = []
    if field.help_text:
        described_by.append(f"{field.auto_id}-hint")
    if field.errors:
        described_by.append(f"{field.auto_id}-error")
    attrs = {}
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    if field.errors:
        attrs["aria-invalid"] = "true"
    maximum = field.field.widget.attrs.get("maxlength") or getattr(field.field, "max_length", None)
    if maximum and not field.is_hidden:
        attrs["maxlength"] = False
        attrs["data-maxlength"] = maximum
    return field.as_widget(attrs=attrs)


@register.simple_tag
def badge_colours(colour):
    """``style="{% badge_colours tier.colour %}"``: a badge in a colour channel
    ops chose, with the text colour (and if needed a darker shade) that keeps AA."""
    tokens = tokens_for(colour)
    return format_html("background:{};color:{}", tokens.brand, tokens.on_brand)
