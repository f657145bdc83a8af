"""The signed-in person's user and membership are kept by the process between
requests (programs.access_reads) and read again as soon as the database
records a change to them, however the change was made."""

import threading
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from programs import access_reads
from programs.models import AccessChange, Membership, OrganizationStatus, PartnerOrganization, PersonCertification
from programs.tasks import purge_access_changes
from tests.factories import PASSWORD, CertificationFactory, OrganizationFactory, PartnerUserFactory

#: the aliases the user's and the membership's statements select (portal.permissions, programs.tenancy)
USER_STATEMENT = '"permission_names"'
MEMBERSHIP_STATEMENT = '"held_certification_ids"'


@pytest.fixture(autouse=True)
def no_copies_from_other_tests():
    access_reads.forget()
    yield
    access_reads.forget()


@pytest.fixture
def owner(client):
    user = PartnerUserFactory(roles=["owner"])
    assert client.login(username=user.username, password=PASSWORD)
    return user


def statements_reading(client, path: str) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    return response.status_code, [query["sql"] for query in queries.captured_queries]


def held_certifications(response) -> tuple[int, ...]:
    return response.wsgi_request.user._partner_context_cache.held_certification_ids


def certification_recorded(person, *, earned_at, expires_at=None):
    certification = CertificationFactory()
    PersonCertification.objects.create(
        organization=person.membership.organization,
        user=person,
        certification=certification,
        earned_at=earned_at,
        expires_at=expires_at,
    )
    return certification


@pytest.mark.django_db
def test_a_partners_next_request_reads_only_its_session(client, owner):
    status, first = statements_reading(client, "/dashboard/")
    assert status == 200
    assert sum(USER_STATEMENT in sql for sql in first) == 1
    assert sum(MEMBERSHIP_STATEMENT in sql for sql in first) == 1

    status, second = statements_reading(client, "/dashboard/")

    assert status == 200
    assert not [sql for sql in second if USER_STATEMENT in sql or MEMBERSHIP_STATEMENT in sql]
    assert any("django_session" in sql for sql in second), "the session is read every time"


@pytest.mark.django_db
def test_a_membership_deactivated_without_signals_is_off_the_portal_at_the_next_request(client, owner):
    assert client.get("/dashboard/").status_code == 200

    Membership.objects.filter(user=owner).update(is_active=False)

    assert client.get("/dashboard/").status_code == 404


@pytest.mark.django_db
def test_a_suspended_organizations_people_are_off_the_portal_at_the_next_request(client, owner):
    colleague = PartnerUserFactory(organization=owner.membership.organization, roles=["sales"])
    other = Client()
    other.force_login(colleague)
    assert client.get("/dashboard/").status_code == 200
    assert other.get("/dashboard/").status_code == 200

    PartnerOrganization.objects.filter(pk=owner.membership.organization_id).update(status=OrganizationStatus.SUSPENDED)

    assert client.get("/dashboard/").status_code == 404
    assert other.get("/dashboard/").status_code == 404


@pytest.mark.django_db
def test_another_organizations_change_keeps_this_partners_copy(client, owner):
    client.get("/dashboard/")
    PartnerOrganization.objects.filter(pk=OrganizationFactory().pk).update(status=OrganizationStatus.SUSPENDED)

    status, statements = statements_reading(client, "/dashboard/")

    assert status == 200
    assert not [sql for sql in statements if MEMBERSHIP_STATEMENT in sql]


@pytest.mark.django_db
def test_roles_changed_in_bulk_apply_at_the_next_request(client, owner):
    assert client.get("/data-export/").status_code == 200, "owners export their organization's data"

    Membership.objects.filter(user=owner).update(roles=["sales"])

    assert client.get("/data-export/").status_code == 404


@pytest.mark.django_db
def test_a_deactivated_user_is_signed_out_at_the_next_request(client, owner):
    assert client.get("/dashboard/").status_code == 200

    get_user_model().objects.filter(pk=owner.pk).update(is_active=False)

    response = client.get("/dashboard/")
    assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.django_db
def test_a_password_changed_elsewhere_ends_the_session(client, owner):
    assert client.get("/dashboard/").status_code == 200

    get_user_model().objects.filter(pk=owner.pk).update(password=make_password("another passphrase entirely"))

    response = client.get("/dashboard/")
    assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.django_db
def test_a_certification_that_expires_stops_counting_when_it_expires(client, owner, monkeypatch):
    now = timezone.now()
    certification = certification_recorded(
        owner, earned_at=now - timedelta(days=30), expires_at=now + timedelta(hours=1)
    )
    assert held_certifications(client.get("/dashboard/")) == (certification.pk,)
    assert held_certifications(client.get("/dashboard/")) == (certification.pk,)

    later = now + timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)

    assert held_certifications(client.get("/dashboard/")) == ()


@pytest.mark.django_db
def test_a_certification_recorded_for_later_counts_from_its_date(client, owner, monkeypatch):
    now = timezone.now()
    certification = certification_recorded(owner, earned_at=now + timedelta(hours=1))
    assert held_certifications(client.get("/dashboard/")) == ()

    later = now + timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)

    assert held_certifications(client.get("/dashboard/")) == (certification.pk,)


@pytest.mark.django_db
def test_a_request_does_not_see_what_an_earlier_one_set_on_its_user(client, owner):
    first = client.get("/dashboard/").wsgi_request.user
    first.first_name = "Changed in memory only"

    second = client.get("/dashboard/").wsgi_request.user

    assert second.first_name == owner.first_name


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_change_committed_by_another_connection_applies_at_the_next_request(client):
    owner = PartnerUserFactory(roles=["owner"])
    client.force_login(owner)
    assert client.get("/dashboard/").status_code == 200

    def deactivate_elsewhere():
        try:
            Membership.objects.filter(user=owner).update(is_active=False)
        finally:
            connections.close_all()

    elsewhere = threading.Thread(target=deactivate_elsewhere)
    elsewhere.start()
    elsewhere.join()

    assert client.get("/dashboard/").status_code == 404


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rolled_back_change_is_not_kept(client):
    owner = PartnerUserFactory(roles=["owner"])
    client.force_login(owner)
    assert client.get("/dashboard/").status_code == 200

    with transaction.atomic():
        Membership.objects.filter(user=owner).update(is_active=False)
        assert client.get("/dashboard/").status_code == 404, "the changing transaction sees its change"
        transaction.set_rollback(True)

    assert client.get("/dashboard/").status_code == 200


@pytest.mark.django_db
def test_a_process_keeps_a_bounded_number_of_copies(monkeypatch):
    monkeypatch.setattr(access_reads, "MAX_ENTRIES", 3)
    for _person in range(4):
        visitor = Client()
        visitor.force_login(PartnerUserFactory(roles=["sales"]))
        assert visitor.get("/dashboard/").status_code == 200
        assert visitor.get("/dashboard/").status_code == 200, "served from its copies"

    assert 0 < len(access_reads._entries) <= 3


@pytest.mark.django_db
def test_the_nightly_purge_keeps_the_newest_change_and_partners_keep_their_access(client, owner):
    assert client.get("/dashboard/").status_code == 200
    AccessChange.objects.update(changed_at=timezone.now() - timedelta(days=2))
    newest = AccessChange.objects.latest("seq")
    recent = AccessChange.objects.create(user_id=owner.pk)
    AccessChange.objects.filter(pk=recent.pk).update(changed_at=timezone.now())

    purge_access_changes()

    assert set(AccessChange.objects.values_list("seq", flat=True)) == {recent.seq}
    assert newest.seq < recent.seq
    assert client.get("/dashboard/").status_code == 200
    Membership.objects.filter(user=owner).update(is_active=False)
    assert client.get("/dashboard/").status_code == 404, "a change after the purge still applies"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_change_committed_after_a_newer_one_still_applies(client):
    """Sequence numbers are taken in one order and committed in another: a
    revocation whose transaction commits after a newer change still applies."""
    owner = PartnerUserFactory(roles=["owner"])
    client.force_login(owner)
    assert client.get("/dashboard/").status_code == 200
    changed, commit = threading.Event(), threading.Event()

    def slow_revocation():
        try:
            with transaction.atomic():
                Membership.objects.filter(user=owner).update(is_active=False)
                changed.set()
                commit.wait(timeout=60)
        finally:
            connections.close_all()

    revoking = threading.Thread(target=slow_revocation)
    revoking.start()
    try:
        assert changed.wait(timeout=60)
        PartnerUserFactory()  # a newer access change, committed first
        assert client.get("/dashboard/").status_code == 200, "the revocation is not committed yet"
    finally:
        commit.set()
        revoking.join()

    assert client.get("/dashboard/").status_code == 404
