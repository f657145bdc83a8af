"""Replies to case emails, read from a local Maildir (no network)."""

import mailbox
from email.message import EmailMessage

import pytest
from django.core.management import call_command

from support.models import CaseMessage, CaseStatus
from support.services.cases import case_reply, case_reply_address, case_set_status
from tests.factories import OrganizationFactory, PartnerUserFactory, UserFactory
from tests.factories.support import open_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def maildir(tmp_path):
    return mailbox.Maildir(str(tmp_path / "replies"), create=True)


@pytest.fixture
def case():
    organization = OrganizationFactory()
    opener = PartnerUserFactory(organization=organization, roles=["technical"], email="tech@partner.example")
    case = open_case(organization, opener)
    agent = UserFactory()
    case_reply(case=case, author=agent, body="Can you send the log?")
    case_set_status(case=case, actor=agent, status=CaseStatus.WAITING_ON_PARTNER)
    return case


def reply(
    to,
    sender="Tech <tech@partner.example>",
    body="Here it is.\n\nOn Mon, Support wrote:\n> Can you send the log?",
    attachment=None,
    message_id="<reply-1@partner.example>",
):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = "Re: New answer on your case"
    message["Message-ID"] = message_id
    message.set_content(body)
    if attachment:
        message.add_attachment(attachment[1], maintype="application", subtype="octet-stream", filename=attachment[0])
    return message


def run(maildir, capsys):
    call_command("support_import_replies", maildir._path)
    return capsys.readouterr()


def test_a_reply_threads_into_its_case_without_the_quoted_history(maildir, case, capsys):
    maildir.add(reply(case_reply_address(case), attachment=("server.txt", b"ERROR 42\n")))

    output = run(maildir, capsys)

    assert "1 replies added, 0 already added, 0 refused." in output.out
    message = case.messages.filter(from_partner=True).get()
    assert message.body == "Here it is."
    assert message.via_email and message.author.email == "tech@partner.example"
    assert [attachment.original_name for attachment in message.attachments.all()] == ["server.txt"]
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN  # waiting on partner ends, the SLA clock resumes
    assert case.events.filter(kind="partner_replied", actor=message.author).exists()
    assert list(maildir.keys()) == []


def test_the_same_email_read_twice_is_added_once(maildir, case, capsys):
    maildir.add(reply(case_reply_address(case)))
    run(maildir, capsys)
    maildir.add(reply(case_reply_address(case)))

    assert "0 replies added, 1 already added" in run(maildir, capsys).out
    assert case.messages.filter(from_partner=True).count() == 1


def test_a_sender_outside_the_organization_is_refused_and_nothing_is_stored(maildir, case, capsys):
    PartnerUserFactory(organization=OrganizationFactory(), email="intruder@other.example")
    maildir.add(reply(case_reply_address(case), sender="intruder@other.example"))
    messages_before = CaseMessage.objects.count()

    output = run(maildir, capsys)

    assert "0 replies added, 0 already added, 1 refused." in output.out
    assert "Refused a reply from intruder@other.example" in output.err
    assert CaseMessage.objects.count() == messages_before
    case.refresh_from_db()
    assert case.status == CaseStatus.WAITING_ON_PARTNER
    assert len(maildir.get_folder("Refused")) == 1


def test_a_colleague_who_may_not_see_the_case_is_refused(maildir, case, capsys):
    PartnerUserFactory(organization=case.organization, roles=["sales"], email="sales@partner.example")
    maildir.add(reply(case_reply_address(case), sender="sales@partner.example"))

    assert "1 refused" in run(maildir, capsys).out
    assert not case.messages.filter(from_partner=True).exists()


def test_a_guessed_case_number_without_the_token_is_refused(maildir, case, capsys):
    maildir.add(reply(f"portal+case-{case.pk}-0000000000000000@localhost"))
    assert "1 refused" in run(maildir, capsys).out
    assert not case.messages.filter(from_partner=True).exists()


def test_a_bad_attachment_refuses_the_whole_reply(maildir, case, capsys):
    maildir.add(reply(case_reply_address(case), attachment=("setup.exe", b"MZ\x90")))
    output = run(maildir, capsys)
    assert "1 refused" in output.out and "Attach a file of one of these types" in output.err
    assert not case.messages.filter(from_partner=True).exists()
