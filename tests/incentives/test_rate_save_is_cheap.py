"""Saving an exchange rate in the admin asks one cheap question about
rebates (does a rebate program count in that currency?) and leaves the scan
of ended periods to the worker: the admin request reads no ledger line."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incentives.models import LineKind
from incentives.services.accruals import rebates_compute
from programs.models import ExchangeRate
from programs.services.exchange import exchange_rate_record
from tests.factories import UserFactory
from tests.incentives.test_rate_change_resettles_rebates import (
    FIRST_REBATE,
    MARCH_END,
    q1_with_a_euro_win,
    rebate_lines,
    run_queued,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def settled():
    """Q1's rebate written at 1.08 (9,400.00)."""
    partner, rebate, rate, _euro_deal = q1_with_a_euro_win()
    rebates_compute(period_end=MARCH_END)
    assert rebate_lines(rebate, partner) == [FIRST_REBATE]
    return partner, rebate, rate


D = datetime.date


def test_the_admin_save_queues_the_settlement_without_scanning_the_ledger(
    client, settled, django_capture_on_commit_callbacks
):
    partner, rebate, rate = settled
    client.force_login(UserFactory(username="finance-farid", groups=["Finance"]))

    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks() as queued:
        response = client.post(
            reverse("wagtailsnippets_programs_exchangerate:add"),
            {"source_currency": "EUR", "target_currency": "USD", "rate": "1.15", "valid_from": "2026-03-10"},
        )

    assert response.status_code == 302
    assert not [query["sql"] for query in queries if "incentives_ledgerline" in query["sql"]]
    assert "incentives.tasks.resettle_rebates_for_rate_change" in [c.func.__self__.name for c in queued]
    run_queued(queued)  # what the worker does once the save is committed
    assert rebate_lines(rebate, partner) == [
        FIRST_REBATE,
        (LineKind.REVERSAL, MARCH_END, Decimal("-470000.00"), Decimal("-9400.00")),
        (LineKind.REBATE, MARCH_END, Decimal("487500.00"), Decimal("9750.00")),
    ]


def test_a_rate_in_a_currency_no_rebate_counts_in_queues_nothing(settled, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        exchange_rate_record(
            rate=ExchangeRate(
                source_currency="EUR", target_currency="CAD", rate=Decimal("1.5"), valid_from=D(2026, 1, 1)
            )
        )

    assert queued == []
