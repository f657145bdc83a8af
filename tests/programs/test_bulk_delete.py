"""The admin listings' bulk delete (tick rows, Delete) as non-superuser
staff: rows go through the app's service and the history says who deleted
them and when; records of what happened (organizations, people, MDF
requests, claims, allocations) are not offered for bulk delete at all."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from mdf.models import FundRequest
from mdf.services.claims import claim_submit
from programs.models import Certification, Membership, PartnerOrganization, PersonCertification, TierChange
from programs.services.certifications import certification_record
from programs.services.tiers import tier_rules_record
from tests.factories import CertificationFactory, OrganizationFactory, PartnerUserFactory, TierFactory, UserFactory
from tests.factories.mdf import allocated, auto_approve_all, submit_request, upload

pytestmark = pytest.mark.django_db


def bulk_delete_url(app_label, model_name, ids, listing):
    url = reverse("wagtail_bulk_action", args=[app_label, model_name, "delete"])
    return f"{url}?next={listing}&" + "&".join(f"id={pk}" for pk in ids)


def run_queued(callbacks):
    """Run in this process, in their order, the tasks queued on commit (what the worker would)."""
    for callback in callbacks:
        callback.func.__self__(*callback.args, **callback.keywords)


def deleted_by(user):
    return set(ModelLogEntry.objects.filter(action="wagtail.delete", user=user).values_list("object_id", flat=True))


@pytest.fixture
def channel_ops(client):
    ops = UserFactory(username="ops-olga", groups=["Channel ops"])
    client.force_login(ops)
    return ops


def test_bulk_deleted_certifications_go_through_the_service_the_tier_follows_and_history_says_who(
    client, channel_ops, django_capture_on_commit_callbacks
):
    registered = TierFactory(name="Registered", rank=1, requires_signed_agreement=False)
    certified = TierFactory(name="Certified", rank=2, min_certified_people=1, requires_signed_agreement=False)
    for tier in (registered, certified):
        tier_rules_record(tier=tier)
    organization = OrganizationFactory(name="Northwind", tier=certified)
    technician = PartnerUserFactory(organization=organization, roles=["technical"])
    earned = timezone.now() - datetime.timedelta(days=3)
    held = [
        certification_record(
            organization=organization, user=technician, certification=CertificationFactory(), earned_at=earned
        )
        for _ in range(2)
    ]
    listing = reverse("wagtailsnippets_programs_personcertification:list")
    assert reverse("wagtail_bulk_action", args=["programs", "personcertification", "delete"]) in (
        client.get(listing).content.decode()
    ), "the listing offers bulk delete for certifications"

    with django_capture_on_commit_callbacks() as queued:
        response = client.post(bulk_delete_url("programs", "personcertification", [h.pk for h in held], listing))

    assert response.status_code == 302 and response["Location"] == listing
    assert not PersonCertification.objects.filter(organization=organization).exists()
    assert deleted_by(channel_ops) == {str(h.pk) for h in held}
    assert "2 earned certifications deleted." in [str(m) for m in get_messages(response.wsgi_request)]
    run_queued(queued)
    down = TierChange.objects.get(organization=organization, to_tier=registered)
    assert down.reason.startswith("Certification removed: ")


def test_the_single_delete_view_uses_the_same_service(client, channel_ops, django_capture_on_commit_callbacks):
    organization = OrganizationFactory()
    held = certification_record(
        organization=organization,
        user=PartnerUserFactory(organization=organization),
        certification=CertificationFactory(),
        earned_at=timezone.now(),
    )

    with django_capture_on_commit_callbacks() as queued:
        response = client.post(reverse("wagtailsnippets_programs_personcertification:delete", args=[held.pk]))

    assert response.status_code == 302
    assert deleted_by(channel_ops) == {str(held.pk)}
    assert [callback.func.__self__.name for callback in queued] == ["programs.tasks.evaluate_organization_tier"]


def test_other_snippets_are_deleted_row_by_row_with_who(client, channel_ops):
    kept = CertificationFactory(name="Storage expert")
    retired = [CertificationFactory(name="Legacy badge"), CertificationFactory(name="Old exam")]
    listing = reverse("wagtailsnippets_programs_certification:list")

    response = client.post(bulk_delete_url("programs", "certification", [c.pk for c in retired], listing))

    assert response.status_code == 302 and response["Location"] == listing
    assert list(Certification.objects.values_list("name", flat=True)) == [kept.name]
    assert deleted_by(channel_ops) == {str(c.pk) for c in retired}
    assert "2 certifications deleted." in [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def records():
    """One of each record kind, so every listing has a row."""
    auto_approve_all()
    organization = OrganizationFactory(name="Northwind")
    allocated(organization)
    request = submit_request(organization, title="Spring webinar")
    member = PartnerUserFactory(organization=organization).membership
    claim_submit(
        request=request,
        submitted_by=None,
        actual_cost=Decimal("2000"),
        claimed_amount=Decimal("1000"),
        proofs=[upload()],
    )
    return {"organization": organization, "member": member, "request": request}


@pytest.mark.parametrize(
    ("app_label", "model_name"),
    [
        ("programs", "partnerorganization"),
        ("programs", "membership"),
        ("mdf", "fundrequest"),
        ("mdf", "claim"),
        ("mdf", "allocation"),
    ],
)
def test_records_of_what_happened_are_not_offered_for_bulk_delete(client, channel_ops, records, app_label, model_name):
    page = client.get(reverse(f"wagtailsnippets_{app_label}_{model_name}:list"))

    assert page.status_code == 200
    html = page.content.decode()
    assert "Northwind" in html or "Spring webinar" in html, "the listing shows the row"
    assert "data-bulk-action-checkbox" not in html
    assert reverse("wagtail_bulk_action", args=[app_label, model_name, "delete"]) not in html


def test_a_forged_bulk_delete_of_records_deletes_nothing_and_says_why(client, channel_ops, records):
    organization, member, request = records["organization"], records["member"], records["request"]

    for app_label, model_name, pk in (
        ("programs", "partnerorganization", organization.pk),
        ("programs", "membership", member.pk),
        ("mdf", "fundrequest", request.pk),
    ):
        response = client.post(bulk_delete_url(app_label, model_name, [pk], "/admin/"))
        assert response.status_code == 302
        assert any("cannot be deleted in bulk" in str(m) for m in get_messages(response.wsgi_request))

    assert PartnerOrganization.objects.filter(pk=organization.pk).exists()
    assert Membership.objects.filter(pk=member.pk).exists()
    assert FundRequest.objects.filter(pk=request.pk).exists()
    assert not deleted_by(channel_ops)
