"""The partner dashboard's panel catalogue.

Apps register a function with the ``partner_dashboard_panels`` Wagtail hook:
it takes the request and returns a component (or None when it has nothing for
this reader). The function's name is the panel's stable key, which the admin's
role dashboards refer to; its optional ``panel_label`` attribute names it there.
A ``partner_dashboard_layout`` hook (``partner, keys → ordered keys or None``)
may choose which panels a reader gets and in which order; without one (or
when it answers None) every panel is shown in the components' own ``order``.
"""

from collections.abc import Callable

from wagtail import hooks


def panel_key(hook: Callable) -> str:
    return hook.__name__


def panel_label(hook: Callable) -> str:
    return str(getattr(hook, "panel_label", "") or panel_key(hook).replace("_", " ").capitalize())


def registered_panels() -> dict[str, Callable]:
    """Every panel hook of the installed apps, by key (the first registration wins)."""
    panels: dict[str, Callable] = {}
    for hook in hooks.get_hooks("partner_dashboard_panels"):
        panels.setdefault(panel_key(hook), hook)
    return panels


def dashboard_panels_for(request, partner) -> list:
    """The components the reader's dashboard shows, in order."""
    available = registered_panels()
    chosen = None
    for layout in hooks.get_hooks("partner_dashboard_layout"):
        chosen = layout(partner, list(available))
    if chosen is None:
        panels = [panel for hook in available.values() if (panel := hook(request))]
        panels.sort(key=lambda panel: getattr(panel, "order", 100))
        return panels
    return [panel for key in chosen if key in available and (panel := available[key](request))]
