"""The MDF report shows one page of groups at a time (by partner there are
thousands), with Wagtail's pager and the totals over every group; the
download holds every row. Checked as channel ops would: what each page
lists, where its links lead, and what a page that does not exist shows."""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from mdf import admin_views
from tests.factories import OrganizationFactory, UserFactory
from tests.factories.mdf import MdfProgramFactory, allocated, auto_approve_all, submit_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(client, monkeypatch):
    """Three partners in one program (2,000, 1,500 and 1,000 approved), a
    fourth in another program, and a page size of two."""
    monkeypatch.setattr(admin_views, "REPORT_PAGE_SIZE", 2)
    auto_approve_all()
    program = MdfProgramFactory()
    for name, amount in (("Alpha", "2000"), ("Beta", "1500"), ("Gamma", "1000")):
        organization = OrganizationFactory(name=name)
        allocated(organization, program=program)
        submit_request(organization, requested_amount=Decimal(amount))
    other = OrganizationFactory(name="Delta")
    allocated(other)
    submit_request(other, requested_amount=Decimal("700"))
    client.force_login(UserFactory(groups=["Channel ops"]))

    def get(**query):
        return client.get(reverse("mdf_admin_report"), {"by": "organization", **query})

    get.program = program
    return get


def partners(response) -> list[str]:
    body = response.content.decode().split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr><td>([^<]+)</td>", body)


def next_link(response) -> str:
    match = re.search(r'<li class="next">\s*<a href="([^"]+)"', response.content.decode())
    return match.group(1).replace("&amp;", "&") if match else ""


def test_the_first_page_lists_a_page_of_partners_with_a_link_to_the_next(report):
    response = report()

    assert response.status_code == 200
    assert partners(response) == ["Alpha", "Beta"], "sorted by won revenue, then name"
    assert "Page 1 of 2" in response.content.decode()
    link = next_link(response)
    assert "p=2" in link and "by=organization" in link


def test_the_second_page_lists_the_rest_and_the_totals_cover_every_partner(report):
    response = report(p=2)

    assert partners(response) == ["Delta", "Gamma"]
    assert next_link(response) == "", "no page after the last"
    footer = response.content.decode().split("<tfoot>", 1)[1]
    assert "Total of every row (USD)" in footer
    assert "$5,200.00" in footer, "2,000 + 1,500 + 1,000 + 700 approved"


def test_the_program_filter_survives_paging(report):
    first = report(program=report.program.pk)

    assert partners(first) == ["Alpha", "Beta"]
    link = next_link(first)
    assert f"program={report.program.pk}" in link
    second = report(program=report.program.pk, p=2)
    assert partners(second) == ["Gamma"]
    assert "$4,500.00" in second.content.decode().split("<tfoot>", 1)[1], "totals of the program only"


def test_the_download_holds_every_partner_whatever_the_page(report):
    response = report(export="csv", p=2)

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert [row[0] for row in rows[1:]] == ["Alpha", "Beta", "Delta", "Gamma"]
    assert [Decimal(row[2]) for row in rows[1:]] == [Decimal(2000), Decimal(1500), Decimal(700), Decimal(1000)]


@pytest.mark.parametrize("asked", ["99", "0", "two"])
def test_a_page_that_does_not_exist_shows_the_nearest_with_a_notice(report, asked):
    response = report(p=asked)

    assert response.status_code == 200
    page = response.content.decode()
    assert f"There is no page {asked}: this is page" in page
    expected = ["Delta", "Gamma"] if asked == "99" else ["Alpha", "Beta"]
    assert partners(response) == expected
