import logging
import secrets

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError
from kombu.utils import json as broker_json

from .models import BackupCodeEvent, BackupCodeEventKind, HeldTask, StaffBackupCode, WorkerHeartbeat

logger = logging.getLogger(__name__)


@transaction.atomic
def worker_heartbeat_record(*, worker: str) -> WorkerHeartbeat:
    """Note that ``worker`` is alive now."""
    heartbeat, _ = WorkerHeartbeat.objects.update_or_create(worker=worker, defaults={"seen_at": timezone.now()})
    return heartbeat


def held_task_record(*, task: str, args=None, kwargs=None, options=None) -> HeldTask:
    """Keep a task the broker did not take, to be queued later as it was asked."""
    message = broker_json.dumps({"args": list(args or ()), "kwargs": dict(kwargs or {}), "options": options or {}})
    return HeldTask.objects.create(task=task, message=message)


#: held tasks read and queued per transaction
HELD_TASKS_PER_BATCH = 500


def held_tasks_queue(*, app) -> int:
    """Queue the held tasks on ``app``'s broker, oldest first, each distinct
    message once (an outage repeats the same request: every publish asks for
    the search outbox to be drained). Stops at the first message the broker
    refuses: the rest wait for the next sweep. Returns how many were queued.

    A held row goes once its message is queued; a sweep that dies between
    the two queues that message again (at least once, as the broker's own
    redelivery)."""
    queued = 0
    while True:
        with transaction.atomic():
            batch = list(HeldTask.objects.select_for_update(skip_locked=True)[:HELD_TASKS_PER_BATCH])
            alike: dict[tuple[str, str], list[int]] = {}
            for held in batch:
                alike.setdefault((held.task, held.message), []).append(held.pk)
            sent: list[int] = []
            refused = False
            for (name, message), ids in alike.items():
                task = app.tasks.get(name)
                if task is None:
                    logger.error("Held task %s is kept: no task of that name is registered", name)
                    continue
                body = broker_json.loads(message)
                try:
                    task.apply_async(body["args"], body["kwargs"], **body["options"])
                except OperationalError:
                    logger.warning("Held tasks wait: the task broker is still unreachable", exc_info=True)
                    refused = True
                    break
                sent.extend(ids)
                queued += 1
            HeldTask.objects.filter(pk__in=sent).delete()
        if refused or not sent or len(batch) < HELD_TASKS_PER_BATCH:
            return queued


#: codes per batch; each works once
BACKUP_CODE_COUNT = 10
#: no 0/O, 1/I/L: codes are read off paper
BACKUP_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def _new_backup_code() -> str:
    groups = ("".join(secrets.choice(BACKUP_CODE_ALPHABET) for _ in range(4)) for _ in range(3))
    return "-".join(groups)


def normalize_backup_code(text: str) -> str:
    """What a person typed, as the code was issued: lower case, groups of four."""
    compact = "".join(character for character in text.lower() if character.isalnum())
    return "-".join(compact[index : index + 4] for index in range(0, len(compact), 4))


@transaction.atomic
def backup_codes_generate(*, user, actor) -> list[str]:
    """A new batch of one-time backup codes for ``user``'s second factor,
    returned in clear once (only their hashes are stored); every earlier code
    stops working. Recorded as an audit event."""
    StaffBackupCode.objects.filter(user=user).delete()
    codes: list[str] = []
    while len(codes) < BACKUP_CODE_COUNT:
        code = _new_backup_code()
        if code[:4] not in {known[:4] for known in codes}:
            codes.append(code)
    StaffBackupCode.objects.bulk_create(
        StaffBackupCode(user=user, selector=code[:4], code_hash=make_password(code)) for code in codes
    )
    BackupCodeEvent.objects.create(
        user=user, actor=actor, kind=BackupCodeEventKind.GENERATED, to_status=BackupCodeEventKind.GENERATED
    )
    return codes


@transaction.atomic
def backup_code_use(*, user, code: str) -> bool:
    """Spend one of ``user``'s unused backup codes: True, and recorded with who
    and when, if ``code`` is one; False otherwise. A code works once (the row
    is locked, so two sign-ins racing with the same code cannot both pass)."""
    code = normalize_backup_code(code)
    candidates = StaffBackupCode.objects.select_for_update().filter(user=user, selector=code[:4], used_at__isnull=True)
    for candidate in candidates:
        if check_password(code, candidate.code_hash):
            candidate.used_at = timezone.now()
            candidate.save(update_fields=["used_at"])
            BackupCodeEvent.objects.create(
                user=user,
                actor=user,
                at=candidate.used_at,
                kind=BackupCodeEventKind.USED,
                to_status=BackupCodeEventKind.USED,
            )
            return True
    return False
