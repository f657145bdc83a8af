"""Moving webhooks out of deals keeps every endpoint and delivery (ids,
secrets, statuses), names the event each delivery reported, and keeps the
groups' permissions on them."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import OrganizationFactory

BEFORE = [("deals", "0009_private_files")]


def _migrate(targets=None):
    """Migrate to ``targets``, or forward to the latest migrations (the state the rest of the suite expects)."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_endpoints_deliveries_and_permissions_survive_the_move():
    organization = OrganizationFactory()
    old = _migrate(BEFORE)
    endpoint = old.get_model("deals", "WebhookEndpoint").objects.create(
        organization_id=organization.pk, url="https://crm.initech.example/hooks", secret="kept-secret"
    )
    Delivery = old.get_model("deals", "WebhookDelivery")
    mdf_delivery = Delivery.objects.create(
        organization_id=organization.pk,
        endpoint_id=endpoint.pk,
        event_type="mdf.request.approved",
        payload={"event": "mdf.request.approved", "event_id": 77},
        status="failed",
        attempts=8,
        last_error="HTTP 500",
    )

    new = _migrate()

    moved = new.get_model("webhooks", "WebhookEndpoint").objects.get(pk=endpoint.pk)
    assert (moved.url, moved.secret, moved.organization_id) == (endpoint.url, "kept-secret", organization.pk)
    delivery = new.get_model("webhooks", "WebhookDelivery").objects.get(pk=mdf_delivery.pk)
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("failed", 8, "HTTP 500")
    assert (delivery.source_type, delivery.source_id) == ("mdf.mdfevent", 77)
    assert delivery.endpoint_id == endpoint.pk
    channel_ops = Group.objects.get(name="Channel ops").permissions.filter(codename="change_webhookendpoint")
    assert channel_ops.get().content_type.app_label == "webhooks"
