"""The partner side: open a case from a phone, follow it with its SLA, reply,
reopen, share; internal notes and other people's cases stay out of sight."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from support.models import Case, CaseStatus
from support.services.cases import case_reply, case_set_status
from tests.factories import PASSWORD, OrganizationFactory, PartnerUserFactory, UserFactory
from tests.factories.deals import register_deal
from tests.factories.support import CaseCategoryFactory, SlaTargetFactory, open_case, pdf_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def organization():
    return OrganizationFactory()


@pytest.fixture
def technical(client, organization):
    user = PartnerUserFactory(organization=organization, roles=["technical"])
    assert client.login(username=user.username, password=PASSWORD)
    return user


def test_open_a_case_from_the_dashboard_and_see_the_sla(client, technical, organization):
    SlaTargetFactory(priority="high", first_response_hours=Decimal("40"), resolution_hours=Decimal("80"))
    category = CaseCategoryFactory(code="mdf", name="MDF")
    deal = register_deal(organization)
    # Dashboard → "Open a case" (support panel) → the form: two taps.
    dashboard = client.get(reverse("programs:dashboard")).content.decode()
    assert f'href="{reverse("support:case_new")}"' in dashboard
    assert reverse("support:notifications") in client.get("/menu/").content.decode()

    form = client.get(reverse("support:case_new"))
    assert form.status_code == 200 and "MDF" in form.content.decode()
    response = client.post(
        reverse("support:case_new"),
        {
            "category": category.pk,
            "priority": "high",
            "subject": "Claim stuck",
            "description": "My claim has been pending for 3 weeks.",
            "deal": deal.pk,
            "attachments": [pdf_file("proof.pdf"), pdf_file("invoice.pdf")],
        },
        follow=True,
    )

    case = Case.objects.get()
    assert response.redirect_chain[-1][0] == reverse("support:case_detail", args=[case.pk])
    html = response.content.decode()
    assert f"Case #{case.pk} is open" in html
    assert "First answer due in" in html
    assert "proof.pdf" in html and "invoice.pdf" in html
    assert case.deal == deal and case.opened_by == technical
    dashboard = client.get(reverse("programs:dashboard")).content.decode()
    assert "Claim stuck" in dashboard and "First answer due in" in dashboard


def test_a_bad_attachment_keeps_what_was_typed_and_says_why(client, technical):
    category = CaseCategoryFactory()
    response = client.post(
        reverse("support:case_new"),
        {
            "category": category.pk,
            "priority": "normal",
            "subject": "Broken link",
            "description": "The link on the pricing page is broken.",
            "attachments": [SimpleUploadedFile("photo.png", b"GIF89a not a png")],
        },
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "photo.png: The file&#x27;s content does not match its .png extension." in html
    assert "The link on the pricing page is broken." in html
    assert not Case.objects.exists()


def test_a_missing_subject_is_named(client, technical):
    response = client.post(reverse("support:case_new"), {"category": CaseCategoryFactory().pk, "priority": "normal"})
    assert response.status_code == 400
    assert "error-summary" in response.content.decode()


def test_another_organizations_deal_cannot_be_linked(client, technical):
    foreign = register_deal(OrganizationFactory())
    response = client.post(
        reverse("support:case_new"),
        {
            "category": CaseCategoryFactory().pk,
            "priority": "normal",
            "subject": "x",
            "description": "y",
            "deal": foreign.pk,
        },
    )
    assert response.status_code == 400 and not Case.objects.exists()


def test_the_partner_never_sees_internal_notes(client, technical, organization):
    case = open_case(organization, technical)
    agent = UserFactory()
    case_reply(case=case, author=agent, body="SECRET: customer is on a legacy contract", internal=True)
    case_reply(case=case, author=agent, body="We have found the cause.")

    html = client.get(reverse("support:case_detail", args=[case.pk])).content.decode()

    assert "We have found the cause." in html
    assert "SECRET" not in html


def test_reply_then_resolve_then_reopen(client, technical, organization):
    case = open_case(organization, technical)
    agent = UserFactory()
    case_reply(case=case, author=agent, body="Which browser?")
    case_set_status(case=case, actor=agent, status=CaseStatus.WAITING_ON_PARTNER)

    response = client.post(reverse("support:case_reply", args=[case.pk]), {"body": "Safari on iOS"}, follow=True)
    assert "Your reply is added to the case." in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN

    case_set_status(case=case, actor=agent, status=CaseStatus.RESOLVED)
    page = client.get(reverse("support:case_detail", args=[case.pk])).content.decode()
    assert "You can reopen this case until" in page
    response = client.post(reverse("support:case_reopen", args=[case.pk]), {"reason": "Back again"}, follow=True)
    assert "The case is open again." in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


def test_an_empty_reply_is_refused_with_a_message(client, technical, organization):
    case = open_case(organization, technical)
    response = client.post(reverse("support:case_reply", args=[case.pk]), {"body": ""})
    assert response.status_code == 400 and "error-summary" in response.content.decode()


def test_a_colleagues_case_is_not_found_until_shared_and_the_owner_sees_all(client, technical, organization):
    colleague = PartnerUserFactory(organization=organization, roles=["sales"])
    owner = PartnerUserFactory(organization=organization, roles=["owner"])
    theirs = open_case(organization, colleague, subject="Colleague's case")

    assert client.get(reverse("support:case_detail", args=[theirs.pk])).status_code == 404
    assert "Colleague&#x27;s case" not in client.get(reverse("support:case_list")).content.decode()

    client.force_login(colleague)
    response = client.post(reverse("support:case_share", args=[theirs.pk]), {"user": technical.pk}, follow=True)
    assert "can now follow this case" in response.content.decode()

    client.force_login(technical)
    assert client.get(reverse("support:case_detail", args=[theirs.pk])).status_code == 200

    client.force_login(owner)
    assert "Colleague&#x27;s case" in client.get(reverse("support:case_list")).content.decode()


def test_the_owner_opens_every_case_url_positive_control(client, organization):
    owner = PartnerUserFactory(organization=organization, roles=["owner"])
    case = open_case(
        organization, PartnerUserFactory(organization=organization, roles=["sales"]), attachments=[pdf_file()]
    )
    client.force_login(owner)

    assert client.get(reverse("support:case_detail", args=[case.pk])).status_code == 200
    download = client.get(reverse("support:case_attachment", args=[case.pk, case.attachments.get().pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")


def test_internal_attachments_are_not_downloadable_by_the_partner(client, technical, organization):
    case = open_case(organization, technical)
    case_reply(case=case, author=UserFactory(), body="Our logs", internal=True, attachments=[pdf_file("logs.pdf")])
    internal = case.attachments.get()
    assert client.get(reverse("support:case_attachment", args=[case.pk, internal.pk])).status_code == 404
