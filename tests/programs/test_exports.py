"""The shared table download: a worksheet's name is one Excel accepts, and
amounts carry their currency's minor digits in both formats."""

import io
from decimal import Decimal

import openpyxl
import pytest

from programs.exports import Table, sheet_title, table_response


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("MDF ROI report", "MDF ROI report"),
        # Excel refuses these characters (openpyxl raises: the download would fail).
        ("Pipeline: EMEA/APAC [Q1]?", "Pipeline EMEA APAC Q1"),
        # 31 characters at most: cut after a whole word, the cut marked.
        ("Pipeline et chiffre d’affaires par niveau", "Pipeline et chiffre d’affaires…"),
        # No spaces to cut at (Japanese): cut at 30.
        ("パイプライン" * 6, ("パイプライン" * 6)[:30] + "…"),
        ("", "Sheet1"),
    ],
)
def test_a_worksheet_is_named_as_excel_accepts(title, name):
    assert sheet_title(title) == name
    assert len(sheet_title(title)) <= 31


def test_an_amount_of_each_currency_has_its_minor_digits_and_none_stays_empty():
    rows = [
        {"name": "Euro", "currency": "EUR", "amount": Decimal("2000.000")},
        {"name": "Yen", "currency": "JPY", "amount": Decimal("2000.000")},
        {"name": "Nothing yet", "currency": "EUR", "amount": None},
    ]
    table = Table("amounts", {"name": "Name", "amount": "Amount"}, rows, title="Amounts", money={"amount": "currency"})

    csv = table_response(table, "csv").content.decode().splitlines()
    workbook = openpyxl.load_workbook(io.BytesIO(table_response(table, "xlsx").getvalue()))

    assert csv == ["Name,Amount", "Euro,2000.00", "Yen,2000", "Nothing yet,"]
    assert workbook.sheetnames == ["Amounts"]
    cells = [(cell.value, cell.number_format) for (cell,) in workbook.active.iter_rows(min_row=2, min_col=2)]
    assert cells == [(2000, "#,##0.00"), (2000, "#,##0"), (None, "General")]
