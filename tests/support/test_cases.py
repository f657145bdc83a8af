"""Case lifecycle: open, answer, internal notes, status, reopen window, share,
merge, attachments, visibility inside the organization; every change audited."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from support import selectors
from support.models import Case, CaseEvent, CaseMessage, CaseStatus, SupportSettings
from support.services.cases import (
    case_assign,
    case_merge,
    case_partner_reply,
    case_reopen,
    case_reply,
    case_set_status,
    case_share,
)
from tests.factories import OrganizationFactory, PartnerUserFactory, UserFactory
from tests.factories.deals import register_deal
from tests.factories.support import CaseCategoryFactory, open_case, pdf_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def organization():
    return OrganizationFactory()


@pytest.fixture
def sales(organization):
    return PartnerUserFactory(organization=organization, roles=["sales"])


@pytest.fixture
def agent():
    from django.contrib.auth.models import Group

    user = UserFactory()
    user.groups.add(Group.objects.get(name="Channel ops"))
    return user


def test_opening_a_case_records_who_and_when_and_keeps_the_files(organization, sales):
    case = open_case(organization, sales, attachments=[pdf_file("screenshot.pdf")])

    assert case.status == CaseStatus.NEW
    opened = case.events.get()
    assert (opened.kind, opened.actor, opened.to_status) == ("opened", sales, "new")
    assert opened.at is not None
    assert [attachment.original_name for attachment in case.attachments.all()] == ["screenshot.pdf"]


def test_a_renamed_executable_is_refused_and_nothing_is_stored(organization, sales):
    fake = SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")

    with pytest.raises(ValidationError) as error:
        open_case(organization, sales, attachments=[fake])

    problems = error.value.message_dict["attachments"]
    assert "invoice.pdf: The file's content does not match its .pdf extension." in problems
    assert not Case.objects.exists()


def test_an_unaccepted_file_type_is_refused_with_the_accepted_types(organization, sales):
    with pytest.raises(ValidationError) as error:
        open_case(organization, sales, attachments=[SimpleUploadedFile("run.exe", b"MZ")])
    assert "Attach a file of one of these types" in error.value.message_dict["attachments"][0]


def test_a_case_links_only_a_deal_of_the_same_organization(organization, sales):
    foreign_deal = register_deal(OrganizationFactory())
    with pytest.raises(ValidationError) as error:
        open_case(organization, sales, deal=foreign_deal)
    assert error.value.message_dict["deal"] == ["Link one of your organization's deals."]

    own_deal = register_deal(organization)
    assert open_case(organization, sales, deal=own_deal).deal == own_deal


def test_internal_notes_never_reach_the_partner(organization, sales, agent):
    case = open_case(organization, sales)

    case_reply(case=case, author=agent, body="Customer is on the legacy plan, check billing first.", internal=True)
    case_reply(case=case, author=agent, body="We are looking into it.")

    visible = [message.body for message in selectors.case_conversation(case=case)]
    assert visible == ["We are looking into it."]
    everything = selectors.case_conversation(case=case, include_internal=True)
    assert everything.count() == 2
    # The partner was told about the answer only.
    titles = list(sales.notifications.values_list("title", flat=True))
    assert titles == [f"New answer on your case #{case.pk}: {case.subject}"]


def test_the_first_public_answer_opens_the_case_and_stops_the_first_response_clock(organization, sales, agent):
    case = open_case(organization, sales)

    case_reply(case=case, author=agent, body="On it.")

    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN and case.first_responded_at is not None
    event = case.events.get(kind="replied")
    assert (event.actor, event.from_status, event.to_status) == (agent, "new", "open")


def test_lifecycle_waiting_partner_reply_resolve_close(organization, sales, agent):
    case = open_case(organization, sales)
    case_reply(case=case, author=agent, body="Which browser?")
    case_set_status(case=case, actor=agent, status=CaseStatus.WAITING_ON_PARTNER)
    case.refresh_from_db()
    assert case.sla_paused_at is not None

    case_partner_reply(case=case, author=sales, body="Firefox 140.")
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN and case.sla_paused_at is None

    case_set_status(case=case, actor=agent, status=CaseStatus.RESOLVED, note="Cache purged")
    case_set_status(case=case, actor=agent, status=CaseStatus.CLOSED)
    case.refresh_from_db()
    assert case.resolved_at is not None and case.closed_at is not None
    statuses = [(event.kind, event.from_status, event.to_status) for event in case.events.all()]
    assert statuses == [
        ("opened", "", "new"),
        ("replied", "new", "open"),
        ("status", "open", "waiting"),
        ("partner_replied", "waiting", "open"),
        ("status", "open", "resolved"),
        ("status", "resolved", "closed"),
    ]
    assert all(event.at for event in case.events.all())


def test_setting_the_same_status_twice_is_a_clear_error(organization, sales, agent):
    case = open_case(organization, sales)
    case_set_status(case=case, actor=agent, status=CaseStatus.OPEN)
    with pytest.raises(ValidationError, match="already Open"):
        case_set_status(case=case, actor=agent, status=CaseStatus.OPEN)


def test_assigning_needs_someone_who_may_work_cases(organization, sales, agent):
    case = open_case(organization, sales)
    with pytest.raises(ValidationError):
        case_assign(case=case, actor=agent, assignee=sales)

    case_assign(case=case, actor=agent, assignee=agent)

    event = case.events.get(kind="assigned")
    assert event.actor == agent and event.after == {"assignee": str(agent)}


def test_reopen_only_within_the_window(organization, sales, agent):
    SupportSettings.objects.update_or_create(pk=SupportSettings.load().pk, defaults={"reopen_window_days": 7})
    case = open_case(organization, sales)
    case_set_status(case=case, actor=agent, status=CaseStatus.RESOLVED)

    case_reopen(case=case, actor=sales, reason="Still broken on mobile.")
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    assert case.events.filter(kind="reopened", actor=sales).exists()

    case_set_status(case=case, actor=agent, status=CaseStatus.RESOLVED)
    Case.objects.filter(pk=case.pk).update(resolved_at=timezone.now() - timedelta(days=8))
    case.refresh_from_db()
    with pytest.raises(ValidationError, match="can no longer be reopened"):
        case_reopen(case=case, actor=sales)
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED


def test_a_closed_case_outside_the_window_refuses_a_reply_and_stores_nothing(organization, sales, agent):
    case = open_case(organization, sales)
    case_set_status(case=case, actor=agent, status=CaseStatus.CLOSED)
    Case.objects.filter(pk=case.pk).update(resolved_at=timezone.now() - timedelta(days=30))
    case.refresh_from_db()
    messages = CaseMessage.objects.count()

    with pytest.raises(ValidationError):
        case_partner_reply(case=case, author=sales, body="Hello?")

    assert CaseMessage.objects.count() == messages


def test_visibility_owner_sees_all_others_their_own_and_shared(organization, sales):
    owner = PartnerUserFactory(organization=organization, roles=["owner"])
    colleague = PartnerUserFactory(organization=organization, roles=["technical"])
    mine = open_case(organization, sales, subject="Mine")
    theirs = open_case(organization, colleague, subject="Theirs")
    open_case(OrganizationFactory(), PartnerUserFactory(), subject="Elsewhere")

    assert set(selectors.case_list(user=owner)) == {mine, theirs}
    assert list(selectors.case_list(user=sales)) == [mine]

    case_share(case=theirs, actor=colleague, user=sales)

    assert set(selectors.case_list(user=sales)) == {mine, theirs}
    assert theirs.events.filter(kind="shared", actor=colleague).exists()


def test_sharing_only_with_a_colleague(organization, sales):
    case = open_case(organization, sales)
    with pytest.raises(ValidationError):
        case_share(case=case, actor=sales, user=PartnerUserFactory())


def test_merge_moves_the_conversation_keeps_access_and_closes_the_duplicate(organization, sales, agent):
    colleague = PartnerUserFactory(organization=organization, roles=["technical"])
    original = open_case(organization, sales, subject="Price list download fails")
    duplicate = open_case(organization, colleague, subject="Cannot get price list", attachments=[pdf_file()])
    case_partner_reply(case=duplicate, author=colleague, body="Also on the German site.")

    case_merge(duplicate=duplicate, into=original, actor=agent)

    duplicate.refresh_from_db()
    assert duplicate.status == CaseStatus.CLOSED and duplicate.merged_into == original
    assert original.attachments.count() == 1
    assert "Also on the German site." in [m.body for m in selectors.case_conversation(case=original)]
    assert original in selectors.case_list(user=colleague)
    assert duplicate.events.get(kind="merged").actor == agent
    with pytest.raises(ValidationError):
        case_partner_reply(case=duplicate, author=colleague, body="More")


def test_merge_refuses_another_organizations_case(organization, sales, agent):
    other = open_case(OrganizationFactory(), PartnerUserFactory())
    case = open_case(organization, sales)
    with pytest.raises(ValidationError, match="same partner"):
        case_merge(duplicate=case, into=other, actor=agent)
    assert CaseEvent.objects.filter(kind="merged").count() == 0


def test_category_names_follow_the_readers_language():
    from wagtail.models import Locale

    from support.forms import CaseForm

    category = CaseCategoryFactory(code="portal-access", name="Portal access")
    french = Locale.objects.get_or_create(language_code="fr")[0]
    translated = category.copy_for_translation(french)
    translated.name = "Accès au portail"
    translated.save()

    from django.utils import translation

    with translation.override("fr"):
        form = CaseForm(organization=OrganizationFactory())
        labels = [label for _value, label in form.fields["category"].choices]
    assert "Accès au portail" in labels
