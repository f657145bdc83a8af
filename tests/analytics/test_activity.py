"""Activity events from the apps' own records, the daily rollup and the one
definition of "active"."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from analytics.activity import active_account_count
from analytics.models import ActivityDay, ActivityEvent, ActivityKind
from analytics.services import activity_record, activity_rollup_refresh
from analytics.tasks import refresh_activity_rollup
from search.services import documents_index_ensure, search_query_log
from tests.factories import PASSWORD, OrganizationFactory, PartnerUserFactory
from tests.factories.deals import register_deal
from tests.factories.mdf import allocated, auto_approve_all, submit_request

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def kinds(organization):
    return sorted(ActivityEvent.objects.filter(organization=organization).values_list("kind", flat=True))


def test_a_partner_signing_in_is_recorded_and_vendor_staff_are_not(client, vendor_staff):
    partner = PartnerUserFactory()
    organization = partner.membership.organization

    assert client.login(username=partner.username, password=PASSWORD)
    client.logout()
    client.force_login(vendor_staff)

    event = ActivityEvent.objects.get()
    assert (event.organization, event.user, event.kind) == (organization, partner, ActivityKind.LOGIN)


def test_registrations_searches_and_mdf_requests_are_recorded_for_the_organization():
    auto_approve_all()
    partner = PartnerUserFactory(roles=["owner"])
    organization = partner.membership.organization
    allocated(organization)

    deal = register_deal(organization, partner)
    logged = search_query_log(
        query="storage price list", results=3, language="en", organization=organization, user_id=partner.pk
    )
    fund_request = submit_request(organization, submitted_by=partner)

    assert kinds(organization) == [ActivityKind.MDF, ActivityKind.REGISTRATION, ActivityKind.SEARCH]
    registration = ActivityEvent.objects.get(kind=ActivityKind.REGISTRATION)
    assert (registration.user, registration.object_id) == (partner, deal.pk)
    assert ActivityEvent.objects.get(kind=ActivityKind.MDF).object_id == fund_request.pk
    # The search names its person like every other kind (the query text stays in the search log alone).
    searched = ActivityEvent.objects.get(kind=ActivityKind.SEARCH)
    assert searched.user == partner
    # ...on its UTC day only, so its time cannot be matched to the log's to tell who typed the query.
    logged_day = logged.created_at.astimezone(UTC).date()
    assert searched.at == datetime.datetime.combine(logged_day, datetime.time.min, tzinfo=UTC)
    assert searched.at != logged.created_at


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_partner_who_only_searches_is_an_active_person(client, celery_worker, search_indexes, wait_for):
    """The real path: the search request queues the log after commit, the worker writes it and its event."""
    organization = OrganizationFactory()
    searcher = PartnerUserFactory(organization=organization, roles=["sales"])
    PartnerUserFactory(organization=organization)  # a colleague who did nothing
    documents_index_ensure()
    client.force_login(searcher)
    # Signed in some other day: today's only event is to be the search.
    ActivityEvent.objects.filter(user=searcher).delete()

    assert client.get("/search/api/", {"q": "helix warranty"}).status_code == 200

    def search_event():
        return ActivityEvent.objects.filter(kind=ActivityKind.SEARCH, organization=organization).first()

    event = wait_for(search_event, timeout=60, message="the worker to record the search")
    assert event.user == searcher
    today = timezone.now().astimezone(UTC).date()
    activity_rollup_refresh(start=today, end=today)
    day = ActivityDay.objects.get(organization=organization)
    assert (day.user, day.searches, day.events) == (searcher, 1, 1)
    assert active_account_count(start=today, end=today, organizations=[organization]) == 1


def test_the_mdf_steps_vendor_staff_take_are_not_partner_activity(vendor_staff):
    auto_approve_all()
    organization = OrganizationFactory()
    allocated(organization)

    submit_request(organization, submitted_by=vendor_staff)

    assert kinds(organization) == []


def at(day: int, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(2026, 3, day, hour, tzinfo=UTC)


@pytest.fixture
def history():
    """Two organizations over a week of March 2026 (hand-counted below)."""
    alpha, beta = OrganizationFactory(name="Alpha"), OrganizationFactory(name="Beta")
    ann, bob = PartnerUserFactory(organization=alpha), PartnerUserFactory(organization=alpha)
    cat = PartnerUserFactory(organization=beta)
    for user, organization, kind, moment in (
        (ann, alpha, ActivityKind.LOGIN, at(2, 8)),
        (ann, alpha, ActivityKind.DOWNLOAD, at(2, 9)),
        (ann, alpha, ActivityKind.REGISTRATION, at(2, 23)),
        (bob, alpha, ActivityKind.LOGIN, at(3)),
        (None, alpha, ActivityKind.SEARCH, at(3)),
        (cat, beta, ActivityKind.LOGIN, at(5)),
        (cat, beta, ActivityKind.COURSE, at(9)),
    ):
        activity_record(organization_id=organization.pk, user_id=user and user.pk, kind=kind, at=moment)
    return {"alpha": alpha, "beta": beta, "ann": ann, "bob": bob, "cat": cat}


def test_the_rollup_counts_each_person_and_day_once(history):
    written = activity_rollup_refresh(start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 10))

    assert written == 5
    ann_day = ActivityDay.objects.get(user=history["ann"])
    assert (ann_day.day, ann_day.events, ann_day.logins, ann_day.downloads, ann_day.registrations) == (
        datetime.date(2026, 3, 2),
        3,
        1,
        1,
        1,
    )
    anonymous = ActivityDay.objects.get(user=None)
    assert (anonymous.organization, anonymous.day, anonymous.searches) == (
        history["alpha"],
        datetime.date(2026, 3, 3),
        1,
    )


def test_refreshing_again_gives_the_same_rollup_and_picks_up_late_events(history):
    activity_rollup_refresh(start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 10))
    activity_record(organization_id=history["beta"].pk, user_id=history["cat"].pk, kind=ActivityKind.MDF, at=at(9, 15))

    activity_rollup_refresh(start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 10))

    assert ActivityDay.objects.count() == 5
    cat_day = ActivityDay.objects.get(user=history["cat"], day=datetime.date(2026, 3, 9))
    assert (cat_day.events, cat_day.course_steps, cat_day.mdf_actions) == (2, 1, 1)


def test_active_accounts_are_people_with_an_event_in_the_period(history):
    activity_rollup_refresh(start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 10))

    # 2–4 March: Ann and Bob (Alpha's search without a person is no account); 5–9: Cat alone.
    assert active_account_count(start=datetime.date(2026, 3, 2), end=datetime.date(2026, 3, 4)) == 2
    assert active_account_count(start=datetime.date(2026, 3, 5), end=datetime.date(2026, 3, 9)) == 1
    assert active_account_count(start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 31)) == 3
    assert (
        active_account_count(
            start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 31), organizations=[history["beta"]]
        )
        == 1
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_refreshes_todays_rollup(celery_worker, wait_for):
    partner = PartnerUserFactory()
    activity_record(organization_id=partner.membership.organization_id, user_id=partner.pk, kind=ActivityKind.LOGIN)

    refresh_activity_rollup.delay()

    wait_for(lambda: ActivityDay.objects.filter(user=partner).exists(), timeout=30, message="the rollup row")
    assert ActivityDay.objects.get(user=partner).day == timezone.now().astimezone(UTC).date()


def test_a_day_is_a_utc_day():
    partner = PartnerUserFactory()
    with time_machine.travel(datetime.datetime(2026, 3, 2, 23, 30, tzinfo=UTC), tick=False):
        activity_record(organization_id=partner.membership.organization_id, user_id=partner.pk, kind=ActivityKind.LOGIN)
    activity_rollup_refresh(start=datetime.date(2026, 3, 2), end=datetime.date(2026, 3, 3))

    assert ActivityDay.objects.get().day == datetime.date(2026, 3, 2)
