"""The incentives pages, walked on a phone from the dashboard: the earnings
page traced down to one line (deal, rule version, rate), and a statement
with its totals and its PDF."""

import re

from django.utils import translation
from django.utils.formats import date_format
from playwright.sync_api import expect

from incentives.models import LedgerLine, Statement, StatementStatus
from incentives.selectors import earnings_totals, next_payout
from programs.formats import money

from .checks import assert_phone_ready
from .demo_data import TASK_USERS
from .phone import Phone


def test_check_earnings_down_to_the_rule(page, sign_in, demo):
    user = sign_in(demo.user(TASK_USERS["earnings"]))
    totals = earnings_totals(user=user)
    assert totals, "the demo partner should have incentive accruals"
    newest = LedgerLine.objects.filter(organization=user.membership.organization).order_by("-earned_on", "-pk")[0]
    phone = Phone(page, "check earnings down to the rule")
    phone.open_dashboard()

    phone.tap(page.get_by_role("link", name="More", exact=True), "More")
    phone.tap(page.get_by_role("link", name="Earnings", exact=True), "Earnings")

    expect(page.get_by_role("heading", level=1, name="Earnings")).to_be_visible()
    main = page.locator("main")
    for total in totals:
        expect(main).to_contain_text(money(total.accrued, total.currency))
        expect(main).to_contain_text(money(total.paid, total.currency))
    assert_phone_ready(page, "earnings page")

    phone.tap(main.get_by_role("link", name=newest.deal.company_name), newest.deal.company_name)

    expect(page.get_by_role("heading", level=1, name=f"Line {newest.pk}")).to_be_visible()
    main = page.locator("main")
    expect(main).to_contain_text(money(newest.amount, newest.currency))
    expect(main).to_contain_text(f"{newest.rate.normalize()} % of {money(newest.base_amount, newest.currency)}")
    expect(main).to_contain_text(f"{newest.program.name}, rules version {newest.rule_version.number}")
    assert_phone_ready(page, "line page")
    phone.assert_within_reach()


def test_read_and_download_a_statement(page, sign_in, demo):
    user = sign_in(demo.user(TASK_USERS["earnings"]))
    paid = (
        Statement.objects.filter(organization=user.membership.organization, status=StatementStatus.PAID)
        .order_by("-period_end")
        .first()
    )
    assert paid is not None, "the demo partner should have a paid statement"
    assert next_payout(user=user) is not None, "the demo partner should have a statement awaiting payment"
    phone = Phone(page, "read and download a statement")
    phone.open_dashboard()

    phone.tap(page.get_by_role("link", name=re.compile("^Next payout")), "Next payout")
    expect(page.get_by_role("heading", level=1, name="Statements")).to_be_visible()
    assert_phone_ready(page, "statement list")
    with translation.override("en"):
        start, end = (date_format(day, "SHORT_DATE_FORMAT") for day in (paid.period_start, paid.period_end))
    period = f"{start} – {end}"
    phone.tap(page.get_by_role("link", name=period), period)

    expect(page.get_by_role("heading", level=1, name=f"Statement {period}")).to_be_visible()
    main = page.locator("main")
    expect(main).to_contain_text("Paid")
    expect(main).to_contain_text(f"reference {paid.payment_reference}")
    total = sum(line.amount for line in paid.lines.all())
    expect(main).to_contain_text(money(total, paid.lines.first().currency))
    assert_phone_ready(page, "statement page")
    with page.expect_download() as download_info:
        phone.tap(page.get_by_role("link", name="Download PDF"), "Download PDF")
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as file:
        assert file.read(5) == b"%PDF-"
    phone.assert_within_reach()
