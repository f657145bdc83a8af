"""Role dashboards: which panels each partner role sees, and in which order,
as channel ops configured them (Analytics → Dashboard panels)."""

from programs.dashboard import panel_label, registered_panels

from .models import DashboardPanelEntry


def panel_catalogue() -> dict[str, str]:
    """Panel key → label for every panel the apps offer."""
    return {key: panel_label(hook) for key, hook in registered_panels().items()}


def dashboard_layout(partner, keys: list[str]) -> list[str] | None:
    """The panel keys ``partner`` sees, in order: the union over their roles,
    each panel once at its lowest position. A role without configured panels
    contributes every panel (after the configured ones, in the apps' order);
    None when nothing is configured for any of the reader's roles."""
    roles = partner.roles
    positions: dict[str, int] = {}
    configured_roles: set[str] = set()
    for entry in DashboardPanelEntry.objects.only("panel", "roles", "position").order_by("position", "pk"):
        configured_roles.update(entry.roles)
        if roles.intersection(entry.roles) and entry.panel in keys:
            positions.setdefault(entry.panel, entry.position)
    if not roles.intersection(configured_roles):
        return None
    chosen = sorted(positions, key=lambda key: positions[key])
    if roles - configured_roles:
        chosen += [key for key in keys if key not in positions]
    return chosen
