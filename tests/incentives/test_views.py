"""The partner pages: earnings, statements with downloads, disputes, SPIFFs
and rebates, and the dashboard panel."""

import csv
import datetime
import io
from decimal import Decimal

import pypdfium2
import pytest
from django.urls import reverse

from incentives.models import Dispute, DisputeStatus, Enrollment, LedgerLine
from incentives.services.accruals import deal_accruals_compute
from incentives.services.statements import statement_approve
from tests.factories import OrganizationFactory, PartnerUserFactory, TierFactory, UserFactory
from tests.factories.incentives import incentive_program, statement_with_line, won_deal
from tests.isolation_cases import CASES

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def partner():
    return OrganizationFactory(tier=TierFactory(name="Gold"))


def login(client, organization, *roles):
    user = PartnerUserFactory(organization=organization, roles=list(roles))
    client.force_login(user)
    return user


def test_earnings_trace_each_amount_to_the_deal_rule_and_rate(client, partner):
    incentive_program(name="Reseller commission", tier_rates={partner.tier: "5"})
    deal = won_deal(partner, amount="10000.00", closed_on=D(2026, 3, 10))
    deal_accruals_compute(deal_id=deal.pk)
    login(client, partner, "sales")

    page = client.get(reverse("incentives:earnings")).content.decode()

    assert deal.company_name in page
    assert "5 % of $10,000.00 (tier rate, Gold)" in page
    assert "Reseller commission, rules version 1" in page
    assert "$500.00" in page
    line = LedgerLine.objects.get(deal=deal)
    detail = client.get(reverse("incentives:line_detail", args=[line.pk])).content.decode()
    assert "Version 1, in force from" in detail
    assert "Dispute this line" not in detail  # sales people do not dispute


def test_earnings_filter_by_status(client, partner):
    statement = statement_with_line(partner)
    statement_approve(statement=statement, actor=UserFactory())
    later = won_deal(partner, amount="2000.00", closed_on=D(2026, 4, 2))
    deal_accruals_compute(deal_id=later.pk)
    login(client, partner, "owner")

    approved = client.get(reverse("incentives:earnings"), {"status": "approved"}).content.decode()
    accrued = client.get(reverse("incentives:earnings"), {"status": "accrued"}).content.decode()

    march = statement.lines.get().deal.company_name
    assert march in approved and later.company_name not in approved
    assert later.company_name in accrued and march not in accrued


def test_people_without_an_incentive_role_do_not_see_the_pages(client, partner):
    login(client, partner, "marketing")
    assert client.get(reverse("incentives:earnings")).status_code == 404
    login(client, partner, "sales")
    assert client.get(reverse("incentives:statement_list")).status_code == 404


def test_statement_downloads_hold_every_line_and_exact_totals(client, partner):
    statement = statement_with_line(partner, amount="1000.10")  # 50.005 -> 50.01
    won = won_deal(partner, amount="3000.00", closed_on=D(2026, 3, 3), currency="EUR")
    deal_accruals_compute(deal_id=won.pk)
    from incentives.services.statements import statements_generate

    statements_generate(period_end=D(2026, 3, 31))
    login(client, partner, "finance")

    response = client.get(reverse("incentives:statement_csv", args=[statement.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    lines = [row for row in rows[1:] if row[0] != "Total"]
    totals = {row[-1]: row[-2] for row in rows if row[0] == "Total"}
    assert len(lines) == statement.lines.count() == 2
    assert totals == {"EUR": "150.00", "USD": "50.01"}
    for currency, total in totals.items():
        assert sum(Decimal(row[-2].replace(",", "")) for row in lines if row[-1] == currency) == Decimal(
            total.replace(",", "")
        )

    pdf = client.get(reverse("incentives:statement_pdf", args=[statement.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    document = pypdfium2.PdfDocument(pdf.content)
    text = " ".join(" ".join(page.get_textpage().get_text_range().split()) for page in document)
    for line in statement.lines.all():
        assert line.deal.company_name in text
    assert "Total EUR €150.00" in text and "Total USD $50.01" in text


def test_a_name_typed_as_a_formula_is_text_in_the_statement_download(client, partner):
    statement = statement_with_line(partner)
    line = statement.lines.get()
    formula = '=HYPERLINK("https://example.com/x","Open")'
    type(line.deal).objects.filter(pk=line.deal_id).update(company_name=formula)
    login(client, partner, "finance")

    response = client.get(reverse("incentives:statement_csv", args=[statement.pk]))

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][5] == "'" + formula
    assert rows[1][-2:] == ["50.00", "USD"]  # figures are written as they were


def test_statement_downloads_in_the_readers_language(client, partner):
    statement = statement_with_line(partner, amount="30000.00")
    login(client, partner, "finance")

    response = client.get(
        reverse("incentives:statement_csv", args=[statement.pk]).replace("/incentives/", "/de/incentives/", 1)
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Zeile"
    assert rows[1][8] == "30.000,00"
    assert rows[-1][-2:] == ["1.500,00", "USD"]


def test_a_finance_user_disputes_a_line_and_follows_the_thread(client, partner):
    statement = statement_with_line(partner)
    line = statement.lines.get()
    login(client, partner, "finance")
    url = reverse("incentives:line_detail", args=[line.pk])

    response = client.post(url, {"comment": ""})
    assert "What is wrong with this line?" in response.content.decode()
    assert not Dispute.objects.exists()

    response = client.post(url, {"comment": "The deal was 1,200."}, follow=True)
    dispute = Dispute.objects.get()
    assert response.redirect_chain[-1][0] == reverse("incentives:dispute_detail", args=[dispute.pk])
    assert "Dispute sent to finance" in response.content.decode()
    assert "The deal was 1,200." in response.content.decode()

    client.post(reverse("incentives:dispute_detail", args=[dispute.pk]), {"body": "PO attached to the deal."})
    assert dispute.messages.count() == 2
    assert dispute.status == DisputeStatus.OPEN
    assert "Line" in client.get(reverse("incentives:dispute_list")).content.decode()


def test_spiff_opt_in_and_rebate_attainment(client, partner):
    spiff = incentive_program(
        "spiff",
        name="Winter SPIFF",
        starts_on=D(2026, 11, 1),
        ends_on=D(2027, 1, 31),
        bonus_per_deal="250",
        requires_opt_in=True,
    )
    incentive_program(
        "rebate", name="Volume rebate", rebate_period="quarterly", steps=[("250000", "2"), ("500000", "3")]
    )
    today = D(2026, 12, 1)
    won_deal(partner, amount="300000", closed_on=min(today, datetime.date.today()))
    login(client, partner, "sales")

    page = client.get(reverse("incentives:programs")).content.decode()
    assert "Winter SPIFF" in page and "Join this SPIFF" in page
    assert "Volume rebate" in page and "You are at the 2 % step." in page
    assert "$200,000.00 more won revenue by" in page and "to earn 3 %" in page

    response = client.post(reverse("incentives:opt_in", args=[spiff.pk]), follow=True)
    assert "You joined Winter SPIFF" in response.content.decode()
    assert Enrollment.objects.get(program=spiff).organization == partner


def test_the_dashboard_shows_sales_and_finance_cards(client, partner):
    statement_with_line(partner)
    login(client, partner, "sales")
    sales_page = client.get(reverse("programs:dashboard")).content.decode()
    assert "Accrued commissions" in sales_page and "$50.00" in sales_page
    assert "Open disputes" not in sales_page

    login(client, partner, "finance")
    finance_page = client.get(reverse("programs:dashboard")).content.decode()
    assert "Next payout" in finance_page and "Open disputes" in finance_page

    login(client, partner, "marketing")
    assert "Accrued commissions" not in client.get(reverse("programs:dashboard")).content.decode()


@pytest.mark.parametrize("url_name", sorted(name for name in CASES if name.startswith("incentives")))
def test_the_owner_opens_their_own_incentive_pages(client, url_name):
    """Positive control of the isolation cases: the same URL answers its owner."""
    method, make_kwargs, _owner_status = CASES[url_name]
    organization = OrganizationFactory()
    kwargs = make_kwargs(organization)
    login(client, organization, "owner", "finance")
    assert getattr(client, method)(reverse(url_name, kwargs=kwargs)).status_code == 200


def test_the_api_lists_statements_and_lines_of_the_callers_organization(client, partner):
    mine = statement_with_line(partner)
    statement_with_line(OrganizationFactory())
    login(client, partner, "finance")

    statements = client.get("/api/v1/incentives/statements/").json()
    lines = client.get("/api/v1/incentives/lines/", {"statement": mine.pk}).json()

    assert [row["id"] for row in statements["results"]] == [mine.pk]
    assert statements["results"][0]["totals"] == [{"currency": "USD", "amount": "50.00"}]
    [line] = lines["results"]
    assert (line["amount"], line["currency"], line["rate"], line["rule_version"], line["status"]) == (
        "50.00",
        "USD",
        "5.000",
        1,
        "accrued",
    )
    login(client, partner, "sales")
    assert client.get("/api/v1/incentives/statements/").status_code == 403
    assert client.get("/api/v1/incentives/lines/").status_code == 200


def test_the_earnings_page_queries_do_not_grow_with_its_lines(client, partner, django_assert_max_num_queries):
    """One query per kind of data, not per line (the page is read at scale)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    incentive_program(tier_rates={partner.tier: "5"})
    login(client, partner, "owner")
    for day in (2, 3):
        deal_accruals_compute(deal_id=won_deal(partner, amount="1000", closed_on=D(2026, 3, day)).pk)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("incentives:earnings"))
    for day in range(4, 20):
        deal_accruals_compute(deal_id=won_deal(partner, amount="1000", closed_on=D(2026, 3, day)).pk)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("incentives:earnings"))
