"""In the embedded default (Celery tasks run eagerly, in the request), a
webhook endpoint that is down never turns a partner's change into an error:
the change is committed, the partner is told it is done, and the failed
attempt is recorded on the delivery."""

import socket

import pytest
from django.test import Client

from portal.celery import app
from tests.factories import OrganizationFactory, PartnerUserFactory
from tests.factories.deals import RoutingRuleFactory, register_deal
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager_celery():
    """What ``make run`` uses without Redis (``CELERY_TASK_ALWAYS_EAGER``):
    tasks run at once in the caller, their errors propagate. Set on the
    Celery app, which read the Django settings once; restored afterwards so
    that later tests reach the real worker."""
    keys = ("task_always_eager", "task_eager_propagates")
    previous = {key: app.conf[key] for key in keys}
    app.conf.update(task_always_eager=True, task_eager_propagates=True)
    yield
    app.conf.update(previous)


@pytest.fixture
def refused_url():
    """A loopback port nobody listens on: connections are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


def test_a_stage_change_succeeds_while_the_webhook_endpoint_is_down(
    eager_celery, refused_url, allow_loopback, django_capture_on_commit_callbacks
):
    RoutingRuleFactory()
    organization = OrganizationFactory()
    seller = PartnerUserFactory(organization=organization, roles=["sales"])
    deal = register_deal(organization, seller)
    WebhookEndpoint.objects.create(organization=organization, url=refused_url)
    client = Client(raise_request_exception=False)
    client.force_login(seller)

    # The deliveries are queued when the change commits, inside the request.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/deals/{deal.pk}/stage/", {"stage": "lost"})

    assert response.status_code == 302
    deal.refresh_from_db()
    assert (deal.stage, deal.status) == ("lost", "reported_lost")  # the partner's report awaits confirmation
    delivery = WebhookDelivery.objects.get(endpoint__url=refused_url)
    assert delivery.attempts >= 1 and "refused" in delivery.last_error.lower()
    assert delivery.status in (DeliveryStatus.PENDING, DeliveryStatus.FAILED)
    assert "Stage updated." in client.get(response["Location"]).text
