"""Role dashboards: which panels each partner role sees, and in which order,
as channel ops configured them (Analytics → Dashboard panels)."""

from programs.dashboard import panel_label, registered_panels
from programs.request_memo import remembered_until_changed

from .models import DashboardPanelEntry


def panel_catalogue() -> dict[str, str]:
    """Panel key → label for every panel the apps offer."""
    return {key: panel_label(hook) for key, hook in registered_panels().items()}


def _entries() -> list[tuple[str, tuple[str, ...], int]]:
    """Every entry as (panel, roles, position), in order: the same for every
    reader, kept by the process until an entry changes."""
    return remembered_until_changed(
        "dashboard panel entries",
        lambda: [
            (panel, tuple(roles), position)
            for panel, roles, position in DashboardPanelEntry.objects.order_by("position", "pk").values_list(
                "panel", "roles", "position"
            )
        ],
    )


def dashboard_layout(partner, keys: list[str]) -> list[str] | None:
    """The panel keys ``partner`` sees, in order: the union over their roles,
    each panel once at its lowest position. A role without configured panels
    contributes every panel (after the configured ones, in the apps' order);
    None when nothing is configured for any of the reader's roles."""
    roles = partner.roles
    positions: dict[str, int] = {}
    configured_roles: set[str] = set()
    for panel, panel_roles, position in _entries():
        configured_roles.update(panel_roles)
        if roles.intersection(panel_roles) and panel in keys:
            positions.setdefault(panel, position)
    if not roles.intersection(configured_roles):
        return None
    chosen = sorted(positions, key=lambda key: positions[key])
    if roles - configured_roles:
        chosen += [key for key in keys if key not in positions]
    return chosen
