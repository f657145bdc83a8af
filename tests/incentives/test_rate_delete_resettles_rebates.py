"""Finance deletes an exchange rate: the deletion is logged and goes through
the same path as an edit, so the rebates and confirmed wins converted with
it are settled again with the rate now in force on each close date, or wait
for a rate (the existing hold) when none is left."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from wagtail.models import ModelLogEntry

from deals.models import DealEvent, DealEventKind
from incentives.models import LedgerLine, LineKind
from incentives.services.accruals import rebates_compute
from programs.models import ExchangeRate
from programs.services.exchange import exchange_rate_delete, exchange_rate_record
from tests.factories import UserFactory
from tests.incentives.test_rate_change_resettles_rebates import (
    FIRST_REBATE,
    MARCH_END,
    accruals_computed,
    q1_with_a_euro_win,
    rebate_lines,
    run_queued,
)

D = datetime.date
DELETE_URL = "wagtailsnippets_programs_exchangerate:delete"


def february_rate():
    """EUR → USD 1.20 from 1 February: in force on 12 March again once the 1.08 rate from 1 March is gone."""
    return ExchangeRate.objects.create(
        source_currency="EUR", target_currency="USD", rate=Decimal("1.20"), valid_from=D(2026, 2, 1)
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rate_deleted_in_the_admin_settles_the_rebate_and_the_win_with_the_rate_left(client, celery_worker, wait_for):
    wait_for(celery_worker.idle, timeout=120, message="tasks of earlier tests to finish")
    computed_before = accruals_computed(celery_worker)
    partner, rebate, rate, euro_deal = q1_with_a_euro_win()
    february_rate()
    wait_for(
        lambda: accruals_computed(celery_worker) >= computed_before + 2,
        timeout=30,
        message="the worker to compute both confirmed wins",
    )
    assert rebate_lines(rebate, partner) == [FIRST_REBATE]
    farid = UserFactory(username="finance-farid", groups=["Finance"])
    client.force_login(farid)

    response = client.post(reverse(DELETE_URL, args=[rate.pk]), follow=True)

    assert response.status_code == 200
    assert "deleted" in response.content.decode()
    assert not ExchangeRate.objects.filter(pk=rate.pk).exists()
    logged = ModelLogEntry.objects.get(action="wagtail.delete", object_id=str(rate.pk))
    assert logged.user == farid
    # 200,000 + 250,000 EUR × 1.20 = 500,000 USD: the 3 % step, 15,000.00; the 2 % line reversed.
    expected = [
        FIRST_REBATE,
        (LineKind.REVERSAL, MARCH_END, Decimal("-470000.00"), Decimal("-9400.00")),
        (LineKind.REBATE, MARCH_END, Decimal("500000.00"), Decimal("15000.00")),
    ]
    wait_for(
        lambda: rebate_lines(rebate, partner) == expected,
        timeout=30,
        message="the worker to settle Q1's rebate again at 1.20",
    )
    for line in LedgerLine.objects.filter(program=rebate).exclude(amount=Decimal("9400.00")):
        assert line.created_by == farid
        assert line.note.startswith("Exchange rate EUR→USD 1.08 from 2026-03-01 deleted by finance-farid (")
        assert line.rate_change["deleted"] is True
    # The win's program-currency amount follows: 250,000 EUR × 1.20 = 300,000.00 USD.
    converted = wait_for(
        lambda: DealEvent.objects.filter(deal=euro_deal, kind=DealEventKind.CONVERTED).first(),
        timeout=30,
        message="the worker to convert the EUR win again at 1.20",
    )
    euro_deal.refresh_from_db()
    assert (euro_deal.program_amount, euro_deal.exchange_rate, euro_deal.exchange_rate_date) == (
        Decimal("300000.00"),
        Decimal("1.2"),
        D(2026, 2, 1),
    )
    assert converted.actor == farid
    assert (converted.before["program_amount"], converted.after["program_amount"]) == ("270000.00", "300000.00")
    assert "EUR→USD 1.08 from 2026-03-01 deleted" in converted.note


@pytest.fixture
def settled(db):
    partner, rebate, rate, euro_deal = q1_with_a_euro_win()
    rebates_compute(period_end=MARCH_END)
    assert rebate_lines(rebate, partner) == [FIRST_REBATE]
    return partner, rebate, rate, euro_deal


def test_deleting_the_only_rate_makes_the_rebate_and_the_win_wait_for_one(settled, django_capture_on_commit_callbacks):
    partner, rebate, rate, euro_deal = settled
    farid = UserFactory(username="finance-farid")
    with django_capture_on_commit_callbacks() as queued:
        exchange_rate_delete(rate=rate, user=farid)
    assert [callback.func.__self__.name for callback in queued] == [
        "deals.tasks.reconvert_wins_for_rate_change",
        "incentives.tasks.resettle_rebates_for_rate_change",
    ]
    run_queued(queued)

    # No EUR rate is in force on 12 March any more: the rebate waits (its line stays, as for any wait)…
    assert rebate_lines(rebate, partner) == [FIRST_REBATE]
    hold = rebate.holds.get(resolved_at__isnull=True)
    assert (hold.source_currency, hold.rate_needed_on) == ("EUR", D(2026, 3, 12))
    # …and the win counts for nothing toward tiers until a rate is saved (listed on the registrations page).
    euro_deal.refresh_from_db()
    assert (euro_deal.program_amount, euro_deal.exchange_rate) == (None, None)
    event = DealEvent.objects.get(deal=euro_deal, kind=DealEventKind.CONVERTED)
    assert event.actor == farid
    assert "No exchange rate from EUR to USD valid on 2026-03-12" in event.note
    # Run again (a retried task): nothing more is written.
    run_queued(queued)
    assert LedgerLine.objects.filter(program=rebate).count() == 1
    assert DealEvent.objects.filter(deal=euro_deal, kind=DealEventKind.CONVERTED).count() == 1


def test_the_delete_page_tells_finance_what_deleting_the_rate_settles_again(settled, client):
    _partner, _rebate, rate, _euro_deal = settled
    client.force_login(UserFactory(username="finance-farid", groups=["Finance"]))
    page = client.get(reverse(DELETE_URL, args=[rate.pk])).content.decode()
    assert "Confirmed wins and rebates converted with it are converted again" in page
    assert ExchangeRate.objects.filter(pk=rate.pk).exists()


def test_a_rate_already_deleted_is_refused_with_a_message_and_changes_nothing(settled, client):
    partner, rebate, rate, _euro_deal = settled
    farid = UserFactory(username="finance-farid", groups=["Finance"])
    client.force_login(farid)
    stale = ExchangeRate.objects.get(pk=rate.pk)
    exchange_rate_delete(rate=rate, user=farid)

    with pytest.raises(ValidationError) as refused:
        exchange_rate_delete(rate=stale, user=farid)
    assert "This exchange rate was already deleted" in str(refused.value)
    assert ModelLogEntry.objects.filter(action="wagtail.delete", object_id=str(rate.pk)).count() == 1


def test_editing_a_rate_someone_deleted_meanwhile_is_refused_and_does_not_bring_it_back(settled):
    partner, rebate, rate, _euro_deal = settled
    farid = UserFactory(username="finance-farid", groups=["Finance"])
    stale = ExchangeRate.objects.get(pk=rate.pk)
    exchange_rate_delete(rate=rate, user=farid)

    stale.rate = Decimal("1.5")
    with pytest.raises(ValidationError) as refused:
        exchange_rate_record(rate=stale, user=farid)

    assert "This exchange rate was already deleted" in str(refused.value)
    assert not ExchangeRate.objects.filter(pk=rate.pk).exists()
    assert not ModelLogEntry.objects.filter(action="wagtail.edit", object_id=str(rate.pk)).exists()


def test_bulk_delete_in_the_listing_goes_through_the_service(settled, client, django_capture_on_commit_callbacks):
    partner, rebate, rate, euro_deal = settled
    february = february_rate()
    other = ExchangeRate.objects.create(
        source_currency="GBP", target_currency="USD", rate=Decimal("1.3"), valid_from=D(2026, 1, 1)
    )
    farid = UserFactory(username="finance-farid", groups=["Finance"])
    client.force_login(farid)
    url = reverse("wagtail_bulk_action", args=["programs", "exchangerate", "delete"])

    with django_capture_on_commit_callbacks() as queued:
        response = client.post(f"{url}?next=/admin/snippets/programs/exchangerate/&id={rate.pk}&id={other.pk}")

    assert response.status_code == 302
    assert set(ExchangeRate.objects.values_list("pk", flat=True)) == {february.pk}
    assert set(
        ModelLogEntry.objects.filter(action="wagtail.delete", user=farid).values_list("object_id", flat=True)
    ) == {str(rate.pk), str(other.pk)}
    run_queued(queued)
    assert rebate_lines(rebate, partner)[-1] == (LineKind.REBATE, MARCH_END, Decimal("500000.00"), Decimal("15000.00"))
    euro_deal.refresh_from_db()
    assert euro_deal.program_amount == Decimal("300000.00")
