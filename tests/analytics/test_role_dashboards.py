"""Role dashboards: channel ops choose in the admin which panels each partner
role sees and in which order; several roles see the union, each panel once."""

import pytest

from analytics.dashboards import panel_catalogue
from analytics.models import DashboardPanelEntry
from tests.factories import OrganizationFactory, PartnerUserFactory, UserFactory

pytestmark = pytest.mark.django_db

SCORECARD = '<section class="card scorecard-panel">'
SUPPORT = '<section class="card support-panel">'


@pytest.fixture
def channel_ops(client):
    admin = UserFactory(is_superuser=True, is_staff=True)
    return admin


def configure(client, admin, *, panel, roles, position):
    """Add a dashboard panel entry through the admin's form, as channel ops would."""
    client.force_login(admin)
    response = client.post(
        "/admin/snippets/analytics/dashboardpanelentry/add/",
        {"panel": panel, "roles": roles, "position": position},
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def dashboard(client, user) -> str:
    client.force_login(user)
    return client.get("/dashboard/").content.decode()


def test_the_catalogue_is_every_apps_panel_hook():
    catalogue = panel_catalogue()

    assert catalogue["scorecard_panel"] == "Performance scorecard"
    assert {"support_panel", "mdf_dashboard_panel", "incentives_dashboard_panel", "latest_content_panel"} <= set(
        catalogue
    )


def test_without_configuration_every_panel_shows(client):
    owner = PartnerUserFactory(roles=["owner"])

    html = dashboard(client, owner)

    assert SCORECARD in html and SUPPORT in html


def test_changing_the_configuration_in_the_admin_changes_what_the_role_sees(client, channel_ops):
    organization = OrganizationFactory()
    owner = PartnerUserFactory(organization=organization, roles=["owner"])
    technical = PartnerUserFactory(organization=organization, roles=["technical"])

    configure(client, channel_ops, panel="support_panel", roles=["owner"], position=10)
    html = dashboard(client, owner)
    assert SUPPORT in html and SCORECARD not in html
    # Technical people are not configured: they keep every panel.
    assert SUPPORT in dashboard(client, technical)

    configure(client, channel_ops, panel="scorecard_panel", roles=["owner"], position=5)
    html = dashboard(client, owner)
    assert html.index(SCORECARD) < html.index(SUPPORT)

    entry = DashboardPanelEntry.objects.get(panel="scorecard_panel")
    client.force_login(channel_ops)
    response = client.post(
        f"/admin/snippets/analytics/dashboardpanelentry/edit/{entry.pk}/",
        {"panel": "scorecard_panel", "roles": ["owner"], "position": 50},
    )
    assert response.status_code == 302
    html = dashboard(client, owner)
    assert html.index(SUPPORT) < html.index(SCORECARD)


def test_several_roles_see_the_union_once_in_the_lowest_position(client, channel_ops):
    organization = OrganizationFactory()
    owner_and_sales = PartnerUserFactory(organization=organization, roles=["owner", "sales"])
    sales = PartnerUserFactory(organization=organization, roles=["sales"])
    configure(client, channel_ops, panel="support_panel", roles=["sales"], position=1)
    configure(client, channel_ops, panel="support_panel", roles=["owner"], position=20)
    configure(client, channel_ops, panel="scorecard_panel", roles=["owner"], position=10)

    html = dashboard(client, owner_and_sales)
    assert html.count(SUPPORT) == 1 and html.count(SCORECARD) == 1
    assert html.index(SUPPORT) < html.index(SCORECARD)
    html = dashboard(client, sales)
    assert SUPPORT in html and SCORECARD not in html
