"""#17: "Your data export is ready" is a notification like the others: in
the requester's notification centre (bell and list), in their language, and
emailed only when their settings for data exports say so."""

import pytest
from django.core import mail
from django.urls import reverse

from programs.models import OrganizationExport
from programs.services.data_rights import organization_export_build
from support.models import Delivery, Notification, NotificationCategory
from support.services.notifications import notification_preferences_save
from tests.factories import OrganizationFactory, PartnerUserFactory

pytestmark = pytest.mark.django_db


def run_queued(callbacks):
    """Run in this process the tasks queued on commit (what the worker would)."""
    for callback in callbacks:
        callback.func.__self__(*callback.args, **callback.keywords)


@pytest.fixture
def owner():
    organization = OrganizationFactory(name="Nordlicht IT")
    person = PartnerUserFactory(organization=organization, roles=["owner"], email="owner@nordlicht.example")
    person.membership.preferred_language = "fr"
    person.membership.save()
    return person


def build_export(owner, capture):
    export = OrganizationExport.objects.create(organization=owner.membership.organization, requested_by=owner)
    with capture() as queued:
        organization_export_build(export=export)
    return queued


def test_the_ready_export_is_in_the_notification_centre_and_emailed_by_default(
    client, owner, django_capture_on_commit_callbacks
):
    queued = build_export(owner, django_capture_on_commit_callbacks)

    notification = Notification.objects.get(recipient=owner)
    assert notification.category == NotificationCategory.DATA_EXPORT
    assert notification.url == reverse("programs:data_export")
    assert notification.title != "Your organization's data export is ready", "in French, the owner's language"
    client.force_login(owner)
    listing = client.get(reverse("support:notifications")).content.decode()
    assert notification.title in listing
    assert [callback.func.__self__.name for callback in queued] == ["support.tasks.email_notification"]
    run_queued(queued)
    [email] = mail.outbox
    assert email.to == ["owner@nordlicht.example"] and email.subject == notification.title
    assert "/data-export/" in email.body


def test_an_owner_who_wants_it_in_the_portal_only_gets_no_email(owner, django_capture_on_commit_callbacks):
    notification_preferences_save(user=owner, choices={NotificationCategory.DATA_EXPORT: Delivery.PORTAL})

    queued = build_export(owner, django_capture_on_commit_callbacks)

    assert Notification.objects.get(recipient=owner).delivery == Delivery.PORTAL
    run_queued(queued)
    assert mail.outbox == []


def test_data_exports_are_a_choice_in_the_notification_settings(client, owner):
    client.force_login(owner)

    response = client.post(
        reverse("support:notification_settings"),
        dict.fromkeys(NotificationCategory.values, Delivery.IMMEDIATE) | {"data_export": Delivery.DIGEST},
    )

    assert response.status_code == 302
    page = client.get(reverse("support:notification_settings")).content.decode()
    assert 'name="data_export"' in page
    assert owner.notification_preferences.get(category="data_export").delivery == Delivery.DIGEST
