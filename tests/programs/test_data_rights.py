"""Data rights: an owner downloads everything the portal holds about their
organization (a Celery job on the real worker builds the ZIP), and a vendor
admin erases a person while the deals they registered stay."""

import io
import json
import re
import zipfile

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.files.base import ContentFile
from django.test import Client

from deals.models import DealRegistration
from programs.models import ExportStatus, OrganizationExport, PersonErasure
from programs.services.api_tokens import api_token_create
from programs.services.data_rights import organization_export_build
from tests.factories import PASSWORD, OrganizationFactory, PartnerUserFactory
from tests.factories.deals import register_deal


def _owner_with_a_deal():
    organization = OrganizationFactory(name="Nordlicht IT")
    owner = PartnerUserFactory(organization=organization, roles=["owner"], email="owner@nordlicht.example")
    deal = register_deal(organization, owner, company_name="Fjord Shipping")
    deal.attachment.save("brief.txt", ContentFile(b"Fjord Shipping needs 40 TB"))
    return organization, owner, deal


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_owner_downloads_the_organizations_data_prepared_by_the_worker(celery_worker, wait_for):
    organization, owner, deal = _owner_with_a_deal()
    register_deal(OrganizationFactory(name="Elsewhere GmbH"), None, company_name="Not Theirs AG")
    client = Client()
    client.force_login(owner)

    requested = client.post("/data-export/", follow=True)

    assert "We are preparing your export" in requested.text
    page = wait_for(
        lambda: (text := client.get("/data-export/").text) and "Download until" in text and text,
        timeout=60,
        message="the export to be ready on the page",
    )
    link = re.search(r'href="(/data-export/[0-9a-f-]{36}/)"', page).group(1)
    download = client.get(link)
    assert download.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    deals = json.loads(archive.read("deals.json"))
    assert [row["company_name"] for row in deals] == ["Fjord Shipping"]
    assert archive.read(deals[0]["attachment"]) == b"Fjord Shipping needs 40 TB"
    people = json.loads(archive.read("people.json"))
    assert [person["email"] for person in people] == ["owner@nordlicht.example"]
    assert json.loads(archive.read("organization.json"))[0]["name"] == "Nordlicht IT"
    assert "Not Theirs AG" not in str([archive.read(name) for name in archive.namelist()])


@pytest.mark.django_db
def test_the_export_is_private_and_the_requester_is_told_in_their_language(client, django_capture_on_commit_callbacks):
    organization, owner, _deal = _owner_with_a_deal()
    owner.membership.preferred_language = "fr"
    owner.membership.save()
    export = OrganizationExport.objects.create(organization=organization, requested_by=owner)

    with django_capture_on_commit_callbacks() as queued:
        organization_export_build(export=export)
    for callback in queued:  # the notification's email, as the worker sends it
        callback.func.__self__(*callback.args, **callback.keywords)

    export.refresh_from_db()
    assert export.status == ExportStatus.DONE
    assert export.file.path.startswith(str(settings.PRIVATE_MEDIA_ROOT))
    assert not export.file.path.startswith(str(settings.MEDIA_ROOT))
    assert [message.to for message in mail.outbox] == [["owner@nordlicht.example"]]
    assert "/data-export/" in mail.outbox[0].body
    assert mail.outbox[0].subject != "Your organization's data export is ready"  # French, not English


@pytest.mark.django_db
def test_one_export_at_a_time_and_only_for_owners(client):
    organization, owner, _deal = _owner_with_a_deal()
    assert client.login(username=owner.username, password=PASSWORD)

    client.post("/data-export/")
    again = client.post("/data-export/", follow=True)

    assert "already being prepared" in again.text
    assert OrganizationExport.objects.filter(organization=organization).count() == 1
    seller = PartnerUserFactory(organization=organization, roles=["sales"])
    client.force_login(seller)
    assert client.get("/data-export/").status_code == 404
    assert client.post("/data-export/").status_code == 404


@pytest.fixture
def privacy_admin(vendor_staff):
    vendor_staff.user_permissions.add(Permission.objects.get(codename="erase_person"))
    return vendor_staff


@pytest.mark.django_db
def test_a_vendor_admin_erases_a_person_and_their_deals_stay(client, privacy_admin):
    organization, owner, deal = _owner_with_a_deal()
    _token, plaintext = api_token_create(user=owner, name="CRM sync")
    token_client = Client(headers={"Authorization": f"Bearer {plaintext}"})
    assert token_client.get("/api/v1/deals/").status_code == 200
    client.force_login(privacy_admin)

    found = client.get("/admin/programs/erase-person/", {"email": "OWNER@nordlicht.example"})
    assert "Nordlicht IT" in found.text
    unconfirmed = client.post("/admin/programs/erase-person/", {"email": "owner@nordlicht.example"})
    assert "Tick the box to confirm" in unconfirmed.text
    owner.refresh_from_db()
    assert owner.email == "owner@nordlicht.example" and owner.is_active

    erased = client.post(
        "/admin/programs/erase-person/", {"email": "owner@nordlicht.example", "confirm": "on"}, follow=True
    )

    assert "was erased" in erased.text
    owner.refresh_from_db()
    assert (owner.username, owner.email, owner.first_name, owner.last_name) == (f"erased-{owner.pk}", "", "", "")
    assert not owner.is_active and not owner.has_usable_password()
    assert not Client().login(username="owner@nordlicht.example", password=PASSWORD)
    assert token_client.get("/api/v1/deals/").status_code == 401
    kept = DealRegistration.objects.get(pk=deal.pk)
    assert kept.company_name == "Fjord Shipping" and kept.submitted_by_id == owner.pk
    record = PersonErasure.objects.get(erased_user_id=owner.pk)
    assert record.erased_by == privacy_admin and record.erased_at is not None


@pytest.mark.django_db
def test_erasure_needs_the_permission_and_a_known_address(client, vendor_staff):
    client.force_login(vendor_staff)
    assert client.get("/admin/programs/erase-person/").status_code in (302, 403)

    vendor_staff.user_permissions.add(Permission.objects.get(codename="erase_person"))
    unknown = client.get("/admin/programs/erase-person/", {"email": "nobody@nowhere.example"})

    assert unknown.status_code == 200
    assert "Nobody has this e-mail address." in unknown.text
    assert PersonErasure.objects.count() == 0


@pytest.mark.django_db
def test_the_export_holds_mdf_support_and_incentive_records_but_no_internal_notes():
    from support.models import CaseMessage
    from tests.factories.mdf import allocated, auto_approve_all, submit_request
    from tests.factories.support import open_case, pdf_file

    organization, owner, _deal = _owner_with_a_deal()
    auto_approve_all()
    allocated(organization)
    submit_request(organization, owner, title="Backup roadshow")
    case = open_case(organization, owner, subject="Price list broken", attachments=[pdf_file()])
    CaseMessage.objects.create(case=case, body="Vendor-only remark", is_internal=True)
    export = OrganizationExport.objects.create(organization=organization, requested_by=owner)

    organization_export_build(export=export)

    export.refresh_from_db()
    with export.file.open("rb") as stored:
        archive = zipfile.ZipFile(io.BytesIO(stored.read()))
    assert [row["title"] for row in json.loads(archive.read("mdf_requests.json"))] == ["Backup roadshow"]
    assert [row["subject"] for row in json.loads(archive.read("support_cases.json"))] == ["Price list broken"]
    attachment = json.loads(archive.read("support_attachments.json"))[0]["file"]
    assert archive.read(attachment) == b"%PDF-1.4 support evidence"
    assert "Vendor-only remark" not in archive.read("support_messages.json").decode()
    assert json.loads(archive.read("incentive_ledger.json")) == []
