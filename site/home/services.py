import secrets

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone

from .models import BackupCodeEvent, BackupCodeEventKind, StaffBackupCode, WorkerHeartbeat


@transaction.atomic
def worker_heartbeat_record(*, worker: str) -> WorkerHeartbeat:
    """Note that ``worker`` is alive now."""
    heartbeat, _ = WorkerHeartbeat.objects.update_or_create(worker=worker, defaults={"seen_at": timezone.now()})
    return heartbeat


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
