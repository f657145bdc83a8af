"""Bad input gets a clear message and stores nothing."""

import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from deals.models import Lead, LeadStatus
from mdf.models import Claim, FundRequest, LedgerEntry, LedgerKind, MdfEventKind, ProofOfPerformance, RequestStatus
from mdf.services.claims import activity_leads_import, claim_submit
from mdf.services.requests import request_extend_claim_deadline
from mdf.validators import PROOF_MAX_BYTES
from tests.factories import OrganizationFactory, UserFactory
from tests.factories.mdf import (
    PDF,
    PNG,
    ActivityTypeFactory,
    MdfProgramFactory,
    allocated,
    auto_approve_all,
    submit_request,
    upload,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved():
    auto_approve_all()
    organization = OrganizationFactory()
    allocated(organization)
    return submit_request(organization, requested_amount=Decimal("2000.00"))


def submit_claim(request, **overrides):
    fields = {
        "request": request,
        "submitted_by": None,
        "actual_cost": Decimal("4000.00"),
        "claimed_amount": Decimal("2000.00"),
        "proofs": [upload()],
    }
    fields.update(overrides)
    return claim_submit(**fields)


def test_request_validation_names_every_field():
    auto_approve_all()
    organization = OrganizationFactory()
    allocation = allocated(organization, "1000.00")
    program = allocation.program
    with pytest.raises(ValidationError) as error:
        submit_request(
            organization,
            starts_on=program.starts_on - datetime.timedelta(days=1),
            ends_on=program.starts_on - datetime.timedelta(days=2),
            planned_cost=Decimal("1000"),
            requested_amount=Decimal("600"),
        )
    errors = error.value.message_dict
    assert "within the program period" in errors["starts_on"][0]
    assert "cannot end before it starts" in errors["ends_on"][0]
    assert "At most 50% of the planned cost" in errors["requested_amount"][0]
    with pytest.raises(ValidationError) as error:
        submit_request(organization, planned_cost=Decimal("4000"), requested_amount=Decimal("1500"))
    assert "left in your allocation" in error.value.message_dict["requested_amount"][0]
    assert not FundRequest.objects.exists()


def test_the_activity_type_overrides_the_reimbursement_percentage():
    auto_approve_all()
    organization = OrganizationFactory()
    allocated(organization)
    trade_show = ActivityTypeFactory(code="trade-show", reimbursement_percent=Decimal("75"))
    request = submit_request(
        organization, activity_type=trade_show, planned_cost=Decimal("1000"), requested_amount=Decimal("750")
    )
    assert request.status == RequestStatus.APPROVED


def test_an_ineligible_activity_type_is_refused():
    auto_approve_all()
    organization = OrganizationFactory()
    program = MdfProgramFactory()
    program.activity_types.add(ActivityTypeFactory(code="webinar"))
    program.save()
    allocated(organization, program=program)
    with pytest.raises(ValidationError) as error:
        submit_request(organization, activity_type=ActivityTypeFactory(code="trade-show"))
    assert "does not fund" in error.value.message_dict["activity_type"][0]


def test_a_claim_with_proof_is_stored_privately(approved):
    claim = submit_claim(approved, proofs=[upload(), upload("photo.png", PNG, "image/png")])
    proofs = list(claim.proofs.all())
    assert [proof.content_type for proof in proofs] == ["application/pdf", "image/png"]
    # Outside the public media root: only the permission-checked view serves them.
    assert all(proof.file.path.startswith(str(settings.PRIVATE_MEDIA_ROOT)) for proof in proofs)
    approved.refresh_from_db()
    assert approved.status == RequestStatus.CLAIMED
    assert approved.events.filter(kind=MdfEventKind.CLAIM_SUBMITTED, claim=claim).exists()


def test_an_executable_renamed_to_pdf_is_refused(approved):
    executable = upload("invoice.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100)
    with pytest.raises(ValidationError) as error:
        submit_claim(approved, proofs=[upload(), executable])
    assert "invoice.pdf is not a file type we accept" in error.value.message_dict["proofs"][0]
    assert not Claim.objects.exists() and not ProofOfPerformance.objects.exists()
    assert not LedgerEntry.objects.filter(kind=LedgerKind.CLAIMED).exists()


def test_a_zip_renamed_to_xlsx_is_refused_but_a_workbook_is_accepted(approved):
    def archive(names):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as zipped:
            for name in names:
                zipped.writestr(name, "<x/>")
        return buffer.getvalue()

    with pytest.raises(ValidationError):
        submit_claim(approved, proofs=[upload("costs.xlsx", archive(["evil.exe"]))])
    claim = submit_claim(approved, proofs=[upload("costs.xlsx", archive(["[Content_Types].xml", "xl/workbook.xml"]))])
    assert claim.proofs.get().extension == "xlsx"


def test_an_oversized_file_is_refused(approved):
    big = upload("scan.pdf", PDF + b"0" * PROOF_MAX_BYTES)
    with pytest.raises(ValidationError) as error:
        submit_claim(approved, proofs=[big])
    assert "the limit is 10.0\xa0MB" in error.value.message_dict["proofs"][0]
    assert not Claim.objects.exists()


def test_a_claim_over_the_approved_amount_is_refused(approved):
    with pytest.raises(ValidationError) as error:
        submit_claim(approved, actual_cost=Decimal("9000"), claimed_amount=Decimal("2500"))
    assert "at most the approved $2,000.00" in error.value.message_dict["claimed_amount"][0]
    with pytest.raises(ValidationError) as error:
        submit_claim(approved, actual_cost=Decimal("3000"), claimed_amount=Decimal("2000"))
    assert "At most 50% of the actual cost" in error.value.message_dict["claimed_amount"][0]
    assert not Claim.objects.exists()


def test_a_claim_after_the_deadline_is_refused_until_an_admin_extends_it(approved):
    late = approved.claim_deadline + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        submit_claim(approved, today=late)
    assert "The claim deadline passed" in error.value.messages[0]
    assert not Claim.objects.exists()
    admin = UserFactory()
    request_extend_claim_deadline(request=approved, actor=admin, until=late, reason="Invoice arrived late")
    approved.refresh_from_db()
    assert submit_claim(approved, today=late).pk
    assert approved.events.get(kind=MdfEventKind.DEADLINE_EXTENDED).actor == admin


def test_leads_import_with_a_column_mapping(approved):
    data = "Company;Land;Email\nInitech;US;bill@initech.example\nHooli;DE;gavin@hooli.example\n".encode()
    result = activity_leads_import(
        request=approved,
        actor=None,
        data=data,
        column_map={"company_name": "Company", "country": "Land", "contact_email": "Email"},
    )
    assert not result.errors
    leads = Lead.objects.filter(mdf_activity__request=approved).order_by("company_name")
    assert [(lead.company_name, lead.country, lead.status) for lead in leads] == [
        ("Hooli", "DE", LeadStatus.ACCEPTED),
        ("Initech", "US", LeadStatus.ACCEPTED),
    ]
    assert all(lead.organization_id == approved.organization_id for lead in leads)


def test_a_malformed_lead_file_stores_nothing_and_names_each_line(approved):
    data = b"company_name,country,estimated_value\nInitech,US,100\n,XX,abc\n"
    result = activity_leads_import(request=approved, actor=None, data=data)
    assert not result.leads
    assert any(message.startswith("Line 3, company_name") for message in result.errors)
    assert any(message.startswith("Line 3, estimated_value") for message in result.errors)
    assert not Lead.objects.exists()
    assert activity_leads_import(request=approved, actor=None, data=b"\xff\xfe\x00bad").errors == [
        "The file is not UTF-8 text; save it as CSV UTF-8."
    ]
    missing = activity_leads_import(request=approved, actor=None, data=b"name,land\nA,B\n")
    assert "No column “company_name” for company_name" in missing.errors[0]


def test_claim_by_today_uses_the_local_date(approved):
    assert submit_claim(approved, today=timezone.localdate()).status == "submitted"
