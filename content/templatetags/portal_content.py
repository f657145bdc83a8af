from django import template
from django.utils.html import format_html
from wagtail.models import Site

from content import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def portal_menu(context):
    """Top-level portal pages the reader may see, in the current language."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    site = Site.find_for_request(request)
    if site is None:
        return []
    root = site.root_page.localized
    return selectors.menu_pages(request, root)


@register.simple_tag(takes_context=True)
def visible_children(context, page):
    return selectors.child_pages(context["request"], page)


@register.simple_tag
def translation_notice(page):
    """A sentence when ``page`` is shown (partly) in its source language."""
    if page is None or not hasattr(page, "alias_of_id"):
        return ""
    return selectors.translation_notice(page)


@register.filter
def fallback_language(page):
    """The language code of ``page``'s text when it is not the reader's, else ""."""
    return selectors.fallback_language(page) or ""


@register.filter
def lang_attribute(page):
    """` lang="en"` on the element holding ``page``'s text when it falls back to
    another language than the reader's, so screen readers pronounce it right."""
    language = selectors.fallback_language(page)
    return format_html(' lang="{}"', language) if language else ""
