"""Partner replies to case emails, read from a Maildir (the mail server
delivers ``portal+case-<id>-<token>@…`` there) and added to their case.

A reply is accepted only from an active person of the case's organization who
may see the case; anything else is refused and nothing is stored."""

import email
import mailbox
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from ..models import Case, CaseMessage
from ..selectors import case_list
from .cases import case_partner_reply

REPLY_ADDRESS = re.compile(r"\+case-(\d+)-([0-9a-f]{16})@", re.IGNORECASE)
#: Where quoted history starts in common mail clients (English, French, German).
QUOTE_STARTS = re.compile(
    r"^(>|On .+ wrote:\s*$|Le .+ a écrit\s*:\s*$|Am .+ schrieb .+:\s*$|-----\s*Original Message\s*-----)",
    re.MULTILINE,
)
REFUSED_FOLDER = "Refused"


@dataclass
class ImportResult:
    added: list[CaseMessage] = field(default_factory=list)
    duplicates: int = 0
    #: (sender, reason) of every refused email
    refused: list[tuple[str, str]] = field(default_factory=list)


class ReplyRefused(Exception):
    pass


def reply_text(message: EmailMessage) -> str:
    """The new text of a reply: the plain part without the quoted history."""
    part = message.get_body(preferencelist=("plain",))
    text = part.get_content() if part is not None else ""
    match = QUOTE_STARTS.search(text)
    return (text[: match.start()] if match else text).strip()


def _case_for(message: EmailMessage) -> Case:
    headers = [message.get_all(name, []) for name in ("To", "Cc", "Delivered-To", "X-Original-To")]
    for _name, address in getaddresses([value for values in headers for value in values]):
        found = REPLY_ADDRESS.search(address)
        if found:
            case = Case.objects.filter(pk=int(found.group(1)), reply_token=found.group(2).lower()).first()
            if case is not None:
                return case
    raise ReplyRefused("not addressed to a known case")


def _author_for(message: EmailMessage, case: Case):
    sender = parseaddr(str(message.get("From", "")))[1]
    people = get_user_model().objects.filter(
        email__iexact=sender,
        is_active=True,
        membership__organization_id=case.organization_id,
        membership__is_active=True,
    )
    for person in people:
        if case_list(user=person).filter(pk=case.pk).exists():
            return person
    raise ReplyRefused("the sender does not belong to the case's organization or may not see the case")


def _attachments(message: EmailMessage) -> list[SimpleUploadedFile]:
    files = []
    for part in message.iter_attachments():
        name = part.get_filename() or "attachment.bin"
        files.append(SimpleUploadedFile(name, part.get_payload(decode=True) or b"", part.get_content_type()))
    return files


def case_reply_from_email(*, message: EmailMessage) -> CaseMessage | None:
    """Add one emailed reply to its case; None if that email was added before.
    Raises ``ReplyRefused`` (nothing stored) for a stranger, an unknown case or
    a reply the case cannot take (closed, bad attachment)."""
    message_id = str(message.get("Message-ID", "")).strip() or None
    if message_id and CaseMessage.objects.filter(email_message_id=message_id).exists():
        return None
    case = _case_for(message)
    author = _author_for(message, case)
    try:
        return case_partner_reply(
            case=case,
            author=author,
            body=reply_text(message),
            attachments=_attachments(message),
            via_email=True,
            email_message_id=message_id,
        )
    except ValidationError as error:
        raise ReplyRefused("; ".join(error.messages)) from error


def case_replies_import(*, maildir: str | Path) -> ImportResult:
    """Read every new email of ``maildir``: replies are added to their cases and
    removed from the inbox; refused ones move to its ``Refused`` folder."""
    box = mailbox.Maildir(str(maildir), factory=None, create=False)
    result = ImportResult()
    for key in list(box.keys()):
        with box.get_file(key) as handle:
            message = email.message_from_binary_file(handle, policy=policy.default)
        try:
            added = case_reply_from_email(message=message)
        except ReplyRefused as refusal:
            result.refused.append((parseaddr(str(message.get("From", "")))[1], str(refusal)))
            box.add_folder(REFUSED_FOLDER).add(box.get_message(key))
        else:
            if added is None:
                result.duplicates += 1
            else:
                result.added.append(added)
        box.remove(key)
    return result
