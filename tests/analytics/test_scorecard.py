"""Scorecard figures on a constructed data set equal hand-computed values;
who may read the scorecard (page, dashboard panel, PDF, admin)."""

import datetime
import io
from decimal import Decimal

import pypdfium2
import pytest
import time_machine
from django.contrib.auth.models import Group, Permission

from analytics.models import ActivityKind, ScorecardTarget
from analytics.scorecard import Quarter, last_quarters, organization_scorecard
from analytics.services import activity_record, activity_rollup_refresh
from deals.models import DealStatus
from mdf.services.claims import activity_link_deal, claim_approve, claim_pay, claim_submit
from programs.models import PersonCertification
from tests.factories import OrganizationFactory, PartnerUserFactory, TierFactory, UserFactory
from tests.factories.deals import DealRegistrationFactory
from tests.factories.mdf import MdfProgramFactory, allocated, auto_approve_all, submit_request, upload
from tests.factories.programs import CertificationFactory

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
NOW = datetime.datetime(2026, 11, 15, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def mid_november():
    with time_machine.travel(NOW, tick=False):
        yield


def deal(organization, *, submitted, value, status=DealStatus.APPROVED, closed=None, won=None, currency="USD"):
    return DealRegistrationFactory(
        organization=organization,
        estimated_value=Decimal(value),
        currency=currency,
        expected_close_date=datetime.date(2027, 1, 31),
        status=status,
        submitted_at=datetime.datetime.fromisoformat(submitted).replace(tzinfo=UTC),
        closed_on=datetime.date.fromisoformat(closed) if closed else None,
        final_amount=Decimal(won) if won else None,
    )


def certify(organization, *, earned, expires=None):
    return PersonCertification.objects.create(
        organization=organization,
        user=PartnerUserFactory(organization=organization, roles=["technical"]),
        certification=CertificationFactory(),
        earned_at=datetime.datetime.fromisoformat(earned).replace(tzinfo=UTC),
        expires_at=datetime.datetime.fromisoformat(expires).replace(tzinfo=UTC) if expires else None,
    )


@pytest.fixture
def partner():
    """Northwind (Gold) over 2026; a noisy neighbour whose figures must not leak."""
    auto_approve_all()
    gold = TierFactory(name="Gold")
    ScorecardTarget.objects.create(tier=gold, won_revenue=Decimal("5000"), registrations=5)
    organization = OrganizationFactory(name="Northwind", tier=gold)
    owner = PartnerUserFactory(organization=organization, roles=["owner"])

    # Q1: one won deal. Q2: nothing. Q3: one registration, lost in Q4.
    deal(organization, submitted="2026-02-01", value="8000", status=DealStatus.WON, closed="2026-03-30", won="8000")
    deal(organization, submitted="2026-08-01", value="2000", status=DealStatus.LOST, closed="2026-10-15")
    # Q4: four registrations (one rejected, one in EUR), one won for 6,000.
    deal(organization, submitted="2026-10-05", value="10000")
    won = deal(
        organization, submitted="2026-11-01", value="5000", status=DealStatus.WON, closed="2026-11-10", won="6000"
    )
    deal(organization, submitted="2026-10-20", value="7000", status=DealStatus.REJECTED)
    deal(organization, submitted="2026-10-21", value="4000", currency="EUR")

    # Certifications: valid throughout; Q2 to year end (expiring soon); Q1 to August.
    certify(organization, earned="2026-01-10")
    certify(organization, earned="2026-05-01", expires="2026-12-31")
    certify(organization, earned="2026-02-01", expires="2026-08-01")

    # MDF: 10,000 allocated for Q4, 2,000 committed and paid, the won deal attributed.
    allocated(
        organization,
        "10000",
        program=MdfProgramFactory(starts_on=datetime.date(2026, 10, 1), ends_on=datetime.date(2026, 12, 31)),
    )
    request = submit_request(
        organization,
        starts_on=datetime.date(2026, 11, 1),
        ends_on=datetime.date(2026, 11, 2),
        requested_amount=Decimal("2000"),
    )
    claim = claim_submit(
        request=request,
        submitted_by=None,
        actual_cost=Decimal("4000"),
        claimed_amount=Decimal("2000"),
        proofs=[upload()],
    )
    claim_approve(claim=claim, actor=None, amount=Decimal("2000"), reason="")
    claim_pay(claim=claim, actor=None, reference="P-1", paid_on=datetime.date(2026, 11, 14))
    activity_link_deal(request=request, deal=won, actor=None)

    # Activity: Bob in Q2; the owner twice in Q4 (one person).
    bob = PartnerUserFactory(organization=organization, roles=["sales"])
    for user, moment in ((bob, "2026-05-05"), (owner, "2026-10-02"), (owner, "2026-11-03")):
        activity_record(
            organization_id=organization.pk,
            user_id=user.pk,
            kind=ActivityKind.LOGIN,
            at=datetime.datetime.fromisoformat(moment).replace(tzinfo=UTC),
        )
    activity_rollup_refresh(start=datetime.date(2026, 1, 1), end=datetime.date(2026, 11, 15))

    neighbour = OrganizationFactory(name="Contoso", tier=gold)
    deal(neighbour, submitted="2026-10-03", value="99999", status=DealStatus.WON, closed="2026-10-30", won="99999")
    return {"organization": organization, "owner": owner, "sales": bob, "neighbour": neighbour}


def test_the_last_four_quarters_end_with_the_current_one():
    assert last_quarters(datetime.date(2026, 2, 10)) == [
        Quarter(2025, 2),
        Quarter(2025, 3),
        Quarter(2025, 4),
        Quarter(2026, 1),
    ]
    assert (Quarter(2026, 4).start, Quarter(2026, 4).end) == (datetime.date(2026, 10, 1), datetime.date(2026, 12, 31))


def test_figures_equal_the_hand_computed_values(partner):
    card = organization_scorecard(organization=partner["organization"])

    assert [quarter.label for quarter in card.quarters] == ["Q1 2026", "Q2 2026", "Q3 2026", "Q4 2026"]
    values = {metric.key: metric.values for metric in card.metrics}
    assert values["registrations"] == [1, 0, 1, 4]
    # Q4 pipeline: 10,000 + 5,000 (the rejected one and the EUR one do not count).
    assert values["pipeline"] == [Decimal("8000"), 0, Decimal("2000"), Decimal("15000")]
    assert values["won_revenue"] == [Decimal("8000"), 0, 0, Decimal("6000")]
    # Q4: one won, one lost. Q2 and Q3: nothing closed.
    assert values["win_rate"] == [Decimal("100.0"), None, None, Decimal("50.0")]
    assert values["certified_people"] == [2, 3, 2, 2]
    assert card.certifications_expiring == 1
    assert values["mdf_utilization"] == [None, None, None, Decimal("20.0")]
    assert values["mdf_roi"] == [None, None, None, Decimal("3.00")]
    assert values["active_users"] == [0, 1, 0, 1]
    won = card.metric("won_revenue")
    assert (won.target, won.meets_target, won.trend) == (Decimal("5000"), True, "up")
    assert card.metric("registrations").meets_target is False


def test_the_owner_reads_the_scorecard_page_with_the_current_quarter(client, partner):
    client.force_login(partner["owner"])

    html = client.get("/scorecard/").content.decode()

    assert "<h1>Performance scorecard</h1>" in html
    assert "Q4 2026 so far, with the trend since Q1 2026." in html
    assert "$6,000.00" in html and "Target $5,000.00: met." in html
    assert "Up from $0.00 last quarter." in html
    assert "1 certification expires within 90 days" in html
    assert "99,999" not in html


def test_the_scorecard_reads_in_the_partners_language(client, partner):
    client.force_login(partner["owner"])

    html = client.get("/fr/scorecard/").content.decode()

    assert "6\u00a0000,00\u00a0$" in html or "6 000,00 $" in html.replace("\u202f", " ").replace("\u00a0", " ")
    assert "T4 2026" in html


def test_other_roles_do_not_get_the_scorecard(client, partner):
    client.force_login(partner["sales"])

    assert client.get("/scorecard/").status_code == 404
    assert client.get("/scorecard/pdf/").status_code == 404
    assert "View your performance scorecard" not in client.get("/dashboard/").content.decode()


def test_the_dashboard_panel_leads_to_the_scorecard(client, partner):
    client.force_login(partner["owner"])

    html = client.get("/dashboard/").content.decode()

    assert "Your performance, Q4 2026" in html
    assert '<a href="/scorecard/">View your performance scorecard</a>' in html


def pdf_text(content: bytes) -> str:
    document = pypdfium2.PdfDocument(io.BytesIO(content))
    return "\n".join(page.get_textpage().get_text_range() for page in document)


def test_the_pdf_holds_the_organizations_figures_only(client, partner):
    client.force_login(partner["owner"])

    response = client.get("/scorecard/pdf/")

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="scorecard-northwind-2026-q4.pdf"'
    text = pdf_text(response.content)
    assert "Northwind" in text and "$6,000.00" in text and "Q4 2026" in text
    assert "99,999" not in text and "Contoso" not in text


def test_the_cam_and_channel_ops_read_a_partners_scorecard_in_the_admin(client, partner):
    cam = UserFactory()
    cam.groups.add(Group.objects.get(name="Channel account managers"))
    organization = partner["organization"]
    organization.channel_account_manager = cam
    organization.save(update_fields=["channel_account_manager"])
    other_cam = UserFactory()
    other_cam.groups.add(Group.objects.get(name="Channel account managers"))
    channel_ops = UserFactory()
    channel_ops.user_permissions.add(
        Permission.objects.get(codename="access_admin"), Permission.objects.get(codename="view_all_partner_records")
    )
    url = f"/admin/analytics/scorecard/{organization.pk}/"

    for reader in (cam, channel_ops):
        client.force_login(reader)
        response = client.get(url)
        assert response.status_code == 200
        assert "Scorecard: Northwind" in response.content.decode()
        assert client.get(url + "pdf/")["Content-Type"] == "application/pdf"
    client.force_login(other_cam)
    assert client.get(url).status_code == 404
    assert client.get(url + "pdf/").status_code == 404
