"""Leads in the Wagtail admin for non-superuser channel ops: CSV import
(all or nothing), manual assignment, audit trail."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from deals.models import Lead, LeadDistributionRule, LeadEvent, LeadStatus
from tests.factories import OrganizationFactory, PartnerUserFactory, UserFactory
from tests.factories.deals import offered_lead
from tests.factories.programs import ProductLineFactory

pytestmark = pytest.mark.django_db

LEADS = "/admin/deals/leads/"
HEADER = "company_name,country,domain,contact_email,product_lines,estimated_value,currency\n"


@pytest.fixture
def channel_ops(client):
    group = Group.objects.create(name="Lead desk")
    group.permissions.add(
        *Permission.objects.filter(
            codename__in=[
                "access_admin",
                "add_lead",
                "change_lead",
                "view_lead",
                "view_leadevent",
                "view_all_partner_records",
            ]
        )
    )
    user = UserFactory()
    user.groups.add(group)
    client.force_login(user)
    return user


def upload(client, text: str, name="leads.csv"):
    return client.post(f"{LEADS}import/", {"file": SimpleUploadedFile(name, text.encode(), "text/csv")})


def test_a_good_file_is_imported_and_distributed(client, channel_ops):
    ProductLineFactory(code="storage")
    first, second = OrganizationFactory(), OrganizationFactory()
    LeadDistributionRule.objects.create(name="Everyone")
    text = HEADER + "Initech,US,initech.example,bill@initech.example,storage,1000.00,USD\nHooli;Ltd,DE,,,,,\n"
    text = text.replace("Hooli;Ltd", "Hooli Ltd")

    response = upload(client, text)

    assert response.status_code == 302
    leads = list(Lead.objects.order_by("pk"))
    assert [lead.company_name for lead in leads] == ["Initech", "Hooli Ltd"]
    assert [lead.organization for lead in leads] == [first, second]
    assert leads[0].product_lines.get().code == "storage" and leads[0].source == "import"
    assert LeadEvent.objects.filter(kind="created", actor=channel_ops).count() == 2


def test_a_bad_file_stores_nothing_and_lists_every_problem_by_line(client, channel_ops):
    ProductLineFactory(code="storage")
    text = HEADER + "Good Co,US,good.example,,storage,10,USD\nBad Co,XX,bad domain,nope,unknown,-3,USD\n"

    response = upload(client, text)

    html = response.content.decode()
    assert response.status_code == 400 and "Nothing was imported" in html
    for column in ("country", "domain", "contact_email", "product_lines", "estimated_value"):
        assert f"Line 3, {column}" in html
    assert "Line 2" not in html
    assert not Lead.objects.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name,country\nAcme,US\n", "Missing columns: company_name"),
        ("company_name,country,colour\nAcme,US,red\n", "Unknown columns: colour"),
        ("company_name,country\n", "The file has no leads"),
    ],
)
def test_header_problems_are_reported(client, channel_ops, text, message):
    response = upload(client, text)

    assert response.status_code == 400 and message in response.content.decode()
    assert not Lead.objects.exists()


def test_an_oversized_file_is_refused(client, channel_ops):
    response = upload(client, HEADER + "Acme,US,,,,,\n" * 200_000)

    assert response.status_code == 400 and "larger than 2 MB" in response.content.decode()
    assert not Lead.objects.exists()


def test_channel_ops_assign_by_hand_and_see_the_audit_trail(client, channel_ops):
    first, other = OrganizationFactory(name="First Partner"), OrganizationFactory(name="Other Partner")
    lead = offered_lead(first)

    response = client.post(f"{LEADS}{lead.pk}/", {"organization": other.pk, "note": "Better fit"})

    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.organization == other and lead.status == LeadStatus.OFFERED
    html = client.get(f"{LEADS}{lead.pk}/").content.decode()
    assert "Other Partner" in html and "Better fit" in html and "Withdrawn" in html
    assert client.get(LEADS).status_code == 200
    assert client.get("/admin/snippets/deals/leadevent/").status_code == 200


def test_staff_without_lead_permissions_are_refused(client):
    user = UserFactory()
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    lead = offered_lead(OrganizationFactory())

    assert client.get(f"{LEADS}{lead.pk}/").status_code in (302, 403)
    assert upload(client, HEADER + "Acme,US,,,,,\n").status_code in (302, 403)
    assert Lead.objects.count() == 1


def test_a_cam_assigns_within_the_portfolio_only(client):
    cam = UserFactory()
    cam.user_permissions.add(*Permission.objects.filter(codename__in=["access_admin", "change_lead", "view_lead"]))
    mine, foreign = OrganizationFactory(channel_account_manager=cam), OrganizationFactory()
    lead = offered_lead(mine)
    client.force_login(cam)

    response = client.post(f"{LEADS}{lead.pk}/", {"organization": foreign.pk})

    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert Lead.objects.get(pk=lead.pk).organization == mine
    assert client.get(f"{LEADS}{offered_lead(foreign).pk}/").status_code == 404


def test_the_partner_is_emailed_about_a_new_offer(mailoutbox):
    from deals.services.leads import lead_notify_offer
    from tests.notifications import deliver_notifications

    organization = OrganizationFactory()
    seller = PartnerUserFactory(organization=organization, roles=["sales"])
    PartnerUserFactory(organization=organization, roles=["finance"])
    lead = offered_lead(organization, company_name="Wonka Industries")

    lead_notify_offer(lead=lead, organization=organization)
    deliver_notifications()

    assert len(mailoutbox) == 1 and mailoutbox[0].to == [seller.email]
    assert "Wonka Industries" in mailoutbox[0].subject
