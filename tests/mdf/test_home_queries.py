"""The partner MDF home asks the database the same number of questions
whatever the number of activities listed (no query per row: figures,
activity type names and balances are read once for the page)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import OrganizationFactory, PartnerUserFactory
from tests.factories.mdf import ActivityTypeFactory, allocated, auto_approve_all, submit_request

pytestmark = pytest.mark.django_db


def queries_of_home(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("mdf:home"))
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_more_activities_do_not_mean_more_queries(client):
    auto_approve_all()
    organization = OrganizationFactory()
    allocated(organization, "50000")
    marketer = PartnerUserFactory(organization=organization, roles=["marketing"])
    client.force_login(marketer)
    submit_request(organization, title="First webinar")
    # Caches the first requests of a session fill (the first also creates the
    # site's branding row: a configuration change, read again by the next).
    client.get(reverse("mdf:home"))
    client.get(reverse("mdf:home"))
    few = queries_of_home(client)

    for index in range(5):
        submit_request(organization, title=f"Event {index}", activity_type=ActivityTypeFactory())
    page = client.get(reverse("mdf:home")).content.decode()
    assert "Event 4" in page and "First webinar" in page
    assert queries_of_home(client) == few
