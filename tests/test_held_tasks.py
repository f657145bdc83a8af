"""Tasks asked for while the task broker is unreachable are held in the
database and queued by beat once it answers (portal.celery.PortalTask,
home.tasks.queue_held_tasks), on the real Redis and Celery worker."""

import base64
import datetime
import json
import logging
from decimal import Decimal

import pytest
import redis
from django.db import transaction
from django.urls import reverse
from wagtail.models import ModelLogEntry

from deals.tasks import notify_partner_of_deal_event
from home.models import HeldTask
from home.services import held_task_record, held_tasks_queue
from home.tasks import queue_held_tasks
from incentives.models import LedgerLine, LineKind
from portal.celery import app
from tests.factories import OrganizationFactory, PartnerUserFactory, TierFactory, UserFactory
from tests.factories.incentives import incentive_program, won_deal

#: a queue no worker of the suite reads: the test reads what was queued
HELD_TEST_QUEUE = "held-tasks-test"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_win_confirmed_while_the_broker_is_down_accrues_once_it_answers(
    client, celery_worker, wait_for, stop_broker, caplog
):
    gold = TierFactory(name="Gold")
    partner = OrganizationFactory(tier=gold)
    incentive_program(name="Reseller commission", tier_rates={gold: "5"})
    stop_broker()

    with caplog.at_level(logging.WARNING, logger="portal.celery"):
        deal = won_deal(partner, amount="10000.00", closed_on=datetime.date(2026, 3, 10))

    assert "incentives.tasks.compute_deal_accruals held: the task broker is unreachable" in caplog.text
    assert HeldTask.objects.filter(task="incentives.tasks.compute_deal_accruals").exists()
    assert not LedgerLine.objects.filter(deal=deal).exists()

    stop_broker.end()
    queue_held_tasks.delay()  # as beat does every minute, on the suite's worker

    line = wait_for(
        lambda: LedgerLine.objects.filter(deal=deal, kind=LineKind.ACCRUAL).first(),
        timeout=60,
        message="the worker to write the accrual of the held task",
    )
    assert (line.amount, line.currency) == (Decimal("500.00"), "USD")
    wait_for(lambda: not HeldTask.objects.exists(), timeout=60, message="the sweep to clear the held tasks")
    client.force_login(PartnerUserFactory(organization=partner, roles=["sales"]))
    page = client.get(reverse("incentives:earnings")).content.decode()
    assert deal.company_name in page and "$500.00" in page


@pytest.fixture
def held_test_queue():
    client = redis.Redis.from_url(app.conf.broker_url)  # the suite's
    client.delete(HELD_TEST_QUEUE)
    yield client
    client.delete(HELD_TEST_QUEUE)


def _queued(client) -> list[tuple[str, list]]:
    """The task name and arguments of each message on the test queue, oldest first."""
    messages = []
    for raw in reversed(client.lrange(HELD_TEST_QUEUE, 0, -1)):
        message = json.loads(raw)
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        messages.append((message["headers"]["task"], args))
    return messages


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_held_tasks_wait_out_the_outage_and_each_distinct_message_is_queued_once(stop_broker, held_test_queue, caplog):
    stop_broker()
    with caplog.at_level(logging.WARNING, logger="portal.celery"), transaction.atomic():
        for event_id in (7, 7, 8):
            notify_partner_of_deal_event.apply_async_on_commit((event_id,), queue=HELD_TEST_QUEUE, retry=False)
    # The broker was asked once: its refusal holds the next tasks at once.
    held = [record.getMessage() for record in caplog.records if " held: " in record.getMessage()]
    assert len(held) == 3
    assert "Connection refused" in held[0]
    assert all("it refused" in line and "s ago and is asked again after 10 s" in line for line in held[1:])
    caplog.clear()
    HeldTask.objects.create(task="retired.tasks.gone", message='{"args": [], "kwargs": {}, "options": {}}')
    assert HeldTask.objects.count() == 4

    # Still down: nothing is queued and nothing is lost.
    assert held_tasks_queue(app=app) == 0
    assert HeldTask.objects.count() == 4

    stop_broker.end()
    with caplog.at_level(logging.ERROR, logger="home.services"):
        assert held_tasks_queue(app=app) == 2

    assert _queued(held_test_queue) == [
        ("deals.tasks.notify_partner_of_deal_event", [7]),
        ("deals.tasks.notify_partner_of_deal_event", [8]),
    ]
    # A task no longer registered stays, named in the log, for someone to look at.
    assert list(HeldTask.objects.values_list("task", flat=True)) == ["retired.tasks.gone"]
    assert "Held task retired.tasks.gone is kept" in caplog.text
    # A second sweep queues nothing again.
    assert held_tasks_queue(app=app) == 0
    assert len(_queued(held_test_queue)) == 2


@pytest.mark.django_db
def test_superusers_see_the_held_tasks_in_settings_and_remove_only_one_no_deploy_knows(client):
    held = held_task_record(task="deals.tasks.notify_partner_of_deal_event", args=(7,))
    retired = held_task_record(task="retired.tasks.gone")
    listing_url = "/admin/snippets/home/heldtask/"

    client.force_login(UserFactory(groups=["Channel ops"], is_staff=True))
    assert client.get(listing_url).status_code in (302, 403)

    superuser = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    listing = client.get(listing_url)
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "deals.tasks.notify_partner_of_deal_event" in page and "[7]" in page
    assert "Held tasks" in client.get("/admin/").content.decode()
    assert client.get(f"{listing_url}add/").status_code in (302, 403)
    assert client.get(f"{listing_url}edit/{held.pk}/").status_code in (302, 403)
    assert client.post(f"{listing_url}edit/{held.pk}/", {"task": "x", "message": "{}"}).status_code in (302, 403)
    assert HeldTask.objects.get(pk=held.pk).task == "deals.tasks.notify_partner_of_deal_event"

    assert client.post(f"{listing_url}delete/{retired.pk}/").status_code == 302
    assert list(HeldTask.objects.values_list("task", flat=True)) == ["deals.tasks.notify_partner_of_deal_event"]
    removal = ModelLogEntry.objects.get(action="wagtail.delete", object_id=str(retired.pk))
    assert removal.user == superuser and "retired.tasks.gone" in removal.label
