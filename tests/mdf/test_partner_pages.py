"""A partner marketer requests, gets approved, claims and is reimbursed, in
the portal; a CAM approves in the admin; channel ops read the report."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from mdf.models import Claim, ClaimStatus, FundRequest, RequestStatus
from tests.factories import OrganizationFactory, PartnerUserFactory, UserFactory
from tests.factories.mdf import PDF, ActivityTypeFactory, allocated, request_fields, submit_request, upload

pytestmark = pytest.mark.django_db


def staff(group_name):
    user = UserFactory()
    user.groups.add(Group.objects.get(name=group_name))
    return user


def form_data(**overrides):
    fields = request_fields(**overrides)
    fields["activity_type"] = fields["activity_type"].pk
    return {key: str(value) for key, value in fields.items()}


def test_request_approve_claim_and_pay_end_to_end(client):
    cam = staff("Channel account managers")
    organization = OrganizationFactory(channel_account_manager=cam)
    allocation = allocated(organization, "10000.00")
    marketer = PartnerUserFactory(organization=organization, roles=["marketing"], email="mia@partner.example")
    client.force_login(marketer)

    home = client.get(reverse("mdf:home"))
    assert home.status_code == 200
    assert "$10,000.00" in home.content.decode()

    response = client.post(reverse("mdf:request_new"), form_data())
    fund_request = FundRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("mdf:request_detail", args=[fund_request.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Waiting for your channel manager since" in page
    assert "Request sent" in page

    # The CAM approves in the admin, without e-mail.
    client.force_login(cam)
    listing = client.get(reverse("wagtailsnippets_mdf_fundrequest:list"))
    assert listing.status_code == 200 and "Storage webinar" in listing.content.decode()
    response = client.post(reverse("mdf_admin_request", args=[fund_request.pk]), {"approve": "1", "note": ""})
    assert response.status_code == 302
    fund_request.refresh_from_db()
    assert fund_request.status == RequestStatus.APPROVED

    client.force_login(marketer)
    page = client.get(reverse("mdf:request_detail", args=[fund_request.pk])).content.decode()
    assert "Claim funds" in page
    response = client.post(
        reverse("mdf:claim_new", args=[fund_request.pk]),
        {"actual_cost": "4200.00", "claimed_amount": "2000.00", "proofs": [upload("invoice.pdf", PDF)]},
    )
    assert response.status_code == 302
    claim = Claim.objects.get()

    client.force_login(cam)
    response = client.post(reverse("mdf_admin_claim", args=[claim.pk]), {"approve": "1", "amount": "", "reason": ""})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED and claim.approved_amount == Decimal("2000.00")

    finance = staff("Finance")
    client.force_login(finance)
    response = client.post(
        reverse("mdf_admin_claim", args=[claim.pk]),
        {"pay": "1", "reference": "BANK-778", "paid_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PAID

    client.force_login(marketer)
    timeline = client.get(reverse("mdf:request_detail", args=[fund_request.pk])).content.decode()
    assert "Reimbursement paid: Payment reference BANK-778" in timeline
    page = client.get(reverse("mdf:ledger", args=[allocation.pk])).content.decode()
    assert "Paid" in page and "$2,000.00" in page
    assert "$8,000.00" in client.get(reverse("mdf:home")).content.decode()


def test_request_errors_are_shown_on_their_fields_and_nothing_is_stored(client):
    organization = OrganizationFactory()
    allocated(organization, "1000.00")
    client.force_login(PartnerUserFactory(organization=organization, roles=["marketing"]))
    response = client.post(reverse("mdf:request_new"), form_data(requested_amount=Decimal("1500.00")))
    assert response.status_code == 400
    page = response.content.decode()
    assert "left in your allocation" in page
    assert not FundRequest.objects.exists()


def test_a_disguised_proof_file_is_refused_with_its_name(client):
    from tests.factories.mdf import auto_approve_all

    auto_approve_all()
    organization = OrganizationFactory()
    allocated(organization)
    marketer = PartnerUserFactory(organization=organization, roles=["marketing"])
    fund_request = submit_request(organization)
    client.force_login(marketer)
    response = client.post(
        reverse("mdf:claim_new", args=[fund_request.pk]),
        {"actual_cost": "4000", "claimed_amount": "2000", "proofs": [upload("invoice.pdf", b"MZ\x90\x00" * 40)]},
    )
    assert response.status_code == 400
    assert "invoice.pdf is not a file type we accept" in response.content.decode()
    assert not Claim.objects.exists()


def test_sales_people_cannot_see_mdf(client):
    organization = OrganizationFactory()
    allocated(organization)
    client.force_login(PartnerUserFactory(organization=organization, roles=["sales"]))
    assert client.get(reverse("mdf:home")).status_code == 404
    assert client.get(reverse("mdf:request_new")).status_code == 404


def test_finance_partner_sees_the_balance_but_cannot_request(client):
    organization = OrganizationFactory()
    allocated(organization)
    client.force_login(PartnerUserFactory(organization=organization, roles=["finance"]))
    assert client.get(reverse("mdf:home")).status_code == 200
    assert client.get(reverse("mdf:request_new")).status_code == 404


def test_the_proof_file_is_served_to_the_owner_and_staff_only(client):
    from mdf.services.claims import claim_submit
    from tests.factories.mdf import auto_approve_all

    auto_approve_all()
    organization = OrganizationFactory()
    allocated(organization)
    fund_request = submit_request(organization)
    claim = claim_submit(
        request=fund_request,
        submitted_by=None,
        actual_cost=Decimal("4000"),
        claimed_amount=Decimal("2000"),
        proofs=[upload()],
    )
    url = reverse("mdf:proof", args=[claim.proofs.get().pk])
    client.force_login(PartnerUserFactory(organization=organization, roles=["marketing"]))
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    client.force_login(staff("Finance"))
    assert client.get(url).status_code == 200
    client.force_login(staff("Channel account managers"))  # not this organization's CAM
    assert client.get(url).status_code == 404
    client.force_login(PartnerUserFactory(roles=["owner"]))
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_the_dashboard_shows_the_balance_and_what_waits(client):
    from tests.factories.mdf import auto_approve_all

    auto_approve_all()
    organization = OrganizationFactory()
    allocated(organization, "5000.00")
    submit_request(organization, title="Spring webinar")
    client.force_login(PartnerUserFactory(organization=organization, roles=["marketing"]))
    page = client.get(reverse("programs:dashboard")).content.decode()
    assert "Market development funds" in page
    assert "$3,000.00" in page
    assert "Spring webinar" in page


def test_channel_ops_read_the_report_and_export_it(client):
    from tests.factories.mdf import auto_approve_all

    auto_approve_all()
    organization = OrganizationFactory()
    allocated(organization)
    submit_request(organization, activity_type=ActivityTypeFactory(code="trade-show"))
    client.force_login(staff("Channel ops"))
    page = client.get(reverse("mdf_admin_report")).content.decode()
    assert "Trade show" in page and "$2,000.00" in page
    csv_export = client.get(reverse("mdf_admin_report"), {"export": "csv", "by": "organization"})
    assert csv_export["Content-Type"].startswith("text/csv")
    assert organization.name in csv_export.content.decode()
    xlsx = client.get(reverse("mdf_admin_report"), {"export": "xlsx"})
    assert xlsx.getvalue().startswith(b"PK")


def test_the_partner_is_told_in_their_language(mailoutbox):
    from mdf.models import MdfEvent, MdfEventKind
    from mdf.services.notifications import mdf_notify_partner
    from mdf.services.requests import request_reject
    from tests.notifications import deliver_notifications

    cam = staff("Channel account managers")
    organization = OrganizationFactory(channel_account_manager=cam, preferred_language="fr")
    allocated(organization)
    marketer = PartnerUserFactory(organization=organization, roles=["marketing"], email="mia@partner.example")
    fund_request = submit_request(organization, submitted_by=marketer)
    request_reject(request=fund_request, actor=cam, reason="Hors cible")
    mdf_notify_partner(event=MdfEvent.objects.get(kind=MdfEventKind.REJECTED))
    deliver_notifications()
    assert mailoutbox[-1].to == ["mia@partner.example"]
    assert mailoutbox[-1].subject == "Demande MDF « Storage webinar » : Refusé"
    assert "Hors cible" in mailoutbox[-1].body
    assert "Ouvrir dans le portail" in mailoutbox[-1].body


def test_a_partner_links_a_registration_to_an_activity(client):
    from tests.factories.deals import register_deal
    from tests.factories.mdf import auto_approve_all

    auto_approve_all()
    organization = OrganizationFactory()
    allocated(organization)
    marketer = PartnerUserFactory(organization=organization, roles=["marketing"])
    fund_request = submit_request(organization)
    deal = register_deal(organization)
    foreign = register_deal(OrganizationFactory(), company_name="Other Co", domain="other.example")
    client.force_login(marketer)
    url = reverse("mdf:deal_link", args=[fund_request.pk])
    assert client.post(url, {"deal": foreign.pk}).status_code == 400
    response = client.post(url, {"deal": deal.pk})
    assert response.status_code == 302
    assert deal.mdf_activity.request == fund_request
    assert "Acme, Inc." in client.get(reverse("mdf:request_detail", args=[fund_request.pk])).content.decode()


def test_the_partner_edits_and_resubmits_after_changes_are_asked(client):
    from mdf.services.requests import request_ask_changes

    cam = staff("Channel account managers")
    organization = OrganizationFactory(channel_account_manager=cam)
    allocated(organization)
    marketer = PartnerUserFactory(organization=organization, roles=["marketing"])
    fund_request = submit_request(organization, submitted_by=marketer)
    request_ask_changes(request=fund_request, actor=cam, reason="Add the agenda")
    client.force_login(marketer)
    assert client.get(reverse("mdf:request_new")).status_code == 200
    page = client.get(reverse("mdf:request_detail", args=[fund_request.pk])).content.decode()
    assert "Add the agenda" in page and "Send the changes" in page
    data = form_data(description="Agenda: backup, recovery, Q&A")
    data["activity_type"] = str(fund_request.activity_type_id)
    response = client.post(reverse("mdf:request_detail", args=[fund_request.pk]), data)
    assert response.status_code == 302
    fund_request.refresh_from_db()
    assert fund_request.status == RequestStatus.PENDING
    assert fund_request.description == "Agenda: backup, recovery, Q&A"
    response = client.post(reverse("mdf:request_cancel", args=[fund_request.pk]), {"reason": ""})
    fund_request.refresh_from_db()
    assert fund_request.status == RequestStatus.CANCELLED
