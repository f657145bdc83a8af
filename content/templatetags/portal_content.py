from django import template
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


@register.simple_tag(takes_context=True)
def breadcrumb_pages(context, page):
    """``{% breadcrumb_pages page as crumbs %}``: the pages above ``page`` the reader may see."""
    return selectors.breadcrumb_pages(context["request"], page)


@register.simple_tag
def translation_notice(page):
    """A sentence when ``page`` is shown (partly) in its source language."""
    if page is None or not hasattr(page, "alias_of_id"):
        return ""
    return selectors.translation_notice(page)
