"""The MDF report's CSV and XLSX downloads write what partners typed
(activity titles, organization names) as text, never as a formula a
spreadsheet would run, and keep the figures as numbers."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from tests.factories import OrganizationFactory, UserFactory
from tests.factories.mdf import MdfProgramFactory, allocated, auto_approve_all, submit_request

pytestmark = pytest.mark.django_db

FORMULA_TITLE = '=HYPERLINK("http://x","y")'
FORMULA_NAME = "@SUM(1+1)"


@pytest.fixture
def report(client):
    auto_approve_all()
    organization = OrganizationFactory(name=FORMULA_NAME)
    allocated(organization)
    submit_request(organization, title=FORMULA_TITLE)
    client.force_login(UserFactory(groups=["Channel ops"]))
    return lambda **query: client.get(reverse("mdf_admin_report"), query)


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_a_title_typed_as_a_formula_is_text_in_the_csv_and_the_figures_stay_numbers(report):
    response = report(export="csv", by="request")

    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="mdf-report-request.csv"' in response["Content-Disposition"]
    header, row = csv_rows(response)
    assert header[:3] == ["Activity", "Currency", "Approved"]
    assert row[:2] == [f"'{FORMULA_TITLE}", "USD"]
    assert [Decimal(figure) for figure in row[2:9]] == [Decimal("2000.00"), 0, 0, 0, 0, 0, 0]
    assert row[9] == "", "no won revenue per MDF dollar before a payment"


def test_an_organization_name_typed_as_a_formula_is_text_in_the_csv(report):
    _header, row = csv_rows(report(export="csv", by="organization"))

    assert row[:2] == [f"'{FORMULA_NAME}", "USD"] and Decimal(row[2]) == Decimal("2000.00")


def test_the_workbook_holds_the_title_as_text_and_the_figures_as_numbers(report):
    response = report(export="xlsx", by="request")

    assert 'filename="mdf-report-request.xlsx"' in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.getvalue())).active
    header, row = list(sheet.iter_rows())
    assert [cell.value for cell in header[:3]] == ["Activity", "Currency", "Approved"]
    title, _currency, approved = row[:3]
    assert title.value == FORMULA_TITLE and title.data_type == "s", "a formula would run when the file is opened"
    assert approved.value == 2000 and approved.data_type == "n"


@pytest.fixture
def currencies(client):
    """An approved 2,000 in euros, in yen and (KWD, three minor digits) 2,000.5 in dinars."""
    auto_approve_all()
    for currency, title, planned, requested in (
        ("EUR", "Euro webinar", "4000", "2000"),
        ("JPY", "Yen webinar", "4000", "2000"),
        ("KWD", "Dinar webinar", "4001", "2000.5"),
    ):
        organization = OrganizationFactory()
        allocated(organization, "100000", program=MdfProgramFactory(currency=currency, budget=Decimal("1000000")))
        submit_request(organization, title=title, planned_cost=Decimal(planned), requested_amount=Decimal(requested))
    client.force_login(UserFactory(groups=["Channel ops"]))
    return lambda **query: client.get(reverse("mdf_admin_report"), query)


def test_the_csv_writes_each_amount_with_its_currency_minor_digits(currencies):
    header, *rows = csv_rows(currencies(export="csv", by="request"))

    assert header[2:9] == ["Approved", "Claimed", "Paid", "Leads", "Registrations", "Pipeline", "Won revenue"]
    by_title = {row[0]: row[1:9] for row in rows}
    # Stored with three decimals (2000.000): a finance user reads cents, whole yen, thousandths of a dinar.
    assert by_title == {
        "Euro webinar": ["EUR", "2000.00", "0.00", "0.00", "0", "0", "0.00", "0.00"],
        "Yen webinar": ["JPY", "2000", "0", "0", "0", "0", "0", "0"],
        "Dinar webinar": ["KWD", "2000.500", "0.000", "0.000", "0", "0", "0.000", "0.000"],
    }


def test_the_workbook_is_named_after_the_report_and_shows_amounts_as_numbers_in_minor_digits(currencies):
    response = currencies(export="xlsx", by="request")

    workbook = openpyxl.load_workbook(io.BytesIO(response.getvalue()))
    assert workbook.sheetnames == ["MDF ROI report"]
    _header, *rows = workbook.active.iter_rows()
    approved = {row[0].value: row[2] for row in rows}
    for title, value, shown in (
        ("Euro webinar", 2000, "#,##0.00"),
        ("Yen webinar", 2000, "#,##0"),
        ("Dinar webinar", Decimal("2000.5"), "#,##0.000"),
    ):
        cell = approved[title]
        assert (cell.data_type, cell.value, cell.number_format) == ("n", value, shown), title
