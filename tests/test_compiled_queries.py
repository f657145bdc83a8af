"""The session, the user and the partner membership are read by queries
compiled once per process (programs.compiled): each request's own values
must reach them, and PostgreSQL prepares them once per database session."""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from programs.models import OrganizationStatus, PersonCertification
from programs.request_memo import remembered_for_request
from programs.tenancy import partner_context
from tests.factories import PartnerUserFactory, UserFactory
from tests.factories.programs import CertificationFactory

pytestmark = pytest.mark.django_db


def test_a_session_past_its_expiry_signs_the_partner_out_and_a_current_one_does_not(client):
    first, second = PartnerUserFactory(), PartnerUserFactory()
    client.force_login(first)
    assert client.get("/dashboard/").status_code == 200

    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    signed_out = client.get("/dashboard/")
    assert signed_out.status_code == 302
    assert "/login/" in signed_out["Location"]

    client.force_login(second)  # a new session: the same compiled query, other values
    assert client.get("/dashboard/").status_code == 200


def test_each_person_gets_their_own_membership_and_the_certifications_in_force():
    now = timezone.now()
    first, second = PartnerUserFactory(), PartnerUserFactory()
    held, expired, later = CertificationFactory(), CertificationFactory(), CertificationFactory()
    organization = first.membership.organization
    for certification, earned, expires in (
        (held, now - timedelta(days=30), None),
        (expired, now - timedelta(days=30), now - timedelta(days=1)),
        (later, now + timedelta(days=1), None),
    ):
        PersonCertification.objects.create(
            organization=organization, user=first, certification=certification, earned_at=earned, expires_at=expires
        )
    suspended = PartnerUserFactory()
    organization_of_suspended = suspended.membership.organization
    organization_of_suspended.status = OrganizationStatus.SUSPENDED
    organization_of_suspended.save()

    with remembered_for_request():
        contexts = {user: partner_context(user) for user in (first, second, suspended, UserFactory())}

    assert contexts[first].organization == organization
    assert contexts[first].held_certification_ids == (held.pk,)
    assert contexts[first].user is first
    assert contexts[second].organization == second.membership.organization
    assert contexts[second].held_certification_ids == ()
    assert list(contexts.values())[2:] == [None, None]
    # outside a reading request: the membership alone (certifications read when asked)
    assert partner_context(PartnerUserFactory()).held_certification_ids is None


def _prepared_statements():
    """The statements this database session holds prepared, with how many
    times each was executed (generic and custom plans)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements")
        return dict(cursor.fetchall())


def _tables(statement: str) -> str:
    """The table of the statement's first selected column."""
    return statement.split('"', 2)[1]


def test_the_statements_every_signed_in_request_runs_are_prepared_once_per_database_session(client):
    client.force_login(PartnerUserFactory())
    assert client.get("/dashboard/").status_code == 200
    after_one = _prepared_statements()
    assert client.get("/dashboard/").status_code == 200
    after_two = _prepared_statements()

    # the session, the user with their permissions, the membership (with
    # and without certifications): prepared by the first request, nothing
    # prepared anew by the second, which executes the prepared session
    # statement again (the user and the membership are kept by the process
    # until a change to them is recorded: programs.access_reads)
    assert {_tables(statement) for statement in after_one} == {
        "django_session",
        "auth_user",
        "programs_membership",
    }
    assert set(after_two) == set(after_one)
    assert {
        _tables(statement): runs - after_one[statement]
        for statement, runs in after_two.items()
        if _tables(statement) != "programs_membership"
    } == {"django_session": 1, "auth_user": 0}


def test_with_prepared_statements_off_the_same_requests_prepare_nothing(client):
    connection.ensure_connection()
    connection.connection.prepare_threshold = None  # DATABASE_PREPARED_STATEMENTS=false
    try:
        client.force_login(PartnerUserFactory())
        assert client.get("/dashboard/").status_code == 200
        assert client.get("/search/?q=price").status_code == 200
        assert _prepared_statements() == {}
    finally:
        connection.connection.prepare_threshold = connection.settings_dict["OPTIONS"]["prepare_threshold"]


@pytest.mark.parametrize(
    ("url", "variable", "threshold"),
    [
        ("postgres://prm@127.0.0.1:5432/prm", None, 5),
        ("postgres://prm@127.0.0.1:5432/prm", "false", None),
        ("postgres://prm@127.0.0.1:5432/prm", "true", 5),
        # SQLite prepares its own statements and takes no such option
        ("sqlite:////tmp/portal.sqlite3", None, "absent"),
    ],
)
def test_database_prepared_statements_sets_the_connection_option(url, variable, threshold):
    environment = {**os.environ, "DATABASE_URL": url}
    environment.pop("DATABASE_PREPARED_STATEMENTS", None)
    if variable is not None:
        environment["DATABASE_PREPARED_STATEMENTS"] = variable
    printed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import portal.settings.base as s; "
            "print(s.DATABASES['default'].get('OPTIONS', {}).get('prepare_threshold', 'absent'))",
        ],
        env={**environment, "PYTHONPATH": f"{settings.BASE_DIR}{os.pathsep}{settings.BASE_DIR / 'site'}"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert printed.strip() == str(threshold)
