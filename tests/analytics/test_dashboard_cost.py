"""The owner's dashboard reads a bounded number of queries: every panel
scopes its reads to the partner, and the organizations a user may see are
looked up once per reading request (``programs.tenancy.scoped``)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deals.models import DealRegistration
from programs.models import PartnerOrganization
from programs.request_memo import remembered_for_request
from programs.tenancy import scoped
from tests.factories import OrganizationFactory, PartnerUserFactory, TierFactory, UserFactory

pytestmark = pytest.mark.django_db

#: 51 before the organizations were remembered per request (seven panels scope a read)
OWNER_DASHBOARD_QUERIES = 44


def test_the_owner_dashboard_stays_within_its_query_budget(client):
    owner = PartnerUserFactory(organization=OrganizationFactory(tier=TierFactory(name="Gold")), roles=["owner"])
    client.force_login(owner)
    client.get("/dashboard/")  # sessions, sites and settings caches warm, as on every later visit

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/dashboard/")

    assert response.status_code == 200 and '<section class="card scorecard-panel">' in response.content.decode()
    assert len(queries.captured_queries) <= OWNER_DASHBOARD_QUERIES, "\n".join(
        query["sql"][:160] for query in queries.captured_queries
    )


def test_a_portfolio_is_remembered_within_a_reading_request_only():
    cam = UserFactory()
    first = OrganizationFactory(channel_account_manager=cam)
    deals = DealRegistration.objects.all()
    list(scoped(deals, cam))  # the user's permissions and partner context, cached on the user

    with remembered_for_request(), CaptureQueriesContext(connection) as reads:
        for _ in range(3):
            list(scoped(deals, cam))
    # One lookup of the portfolio, then one read of deals per call.
    assert len(reads.captured_queries) == 4

    second = OrganizationFactory(channel_account_manager=cam)
    # Outside a reading request (a write, a task) the CAM's new partner is seen at once.
    visible = scoped(PartnerOrganization.objects.all(), cam, organization_field="")
    assert set(visible.values_list("pk", flat=True)) == {first.pk, second.pk}
