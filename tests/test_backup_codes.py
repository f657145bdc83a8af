"""Staff backup codes for the second factor, through the real admin views:
generated in a batch of 10 and shown once, stored as password hashes, each
usable once at the sign-in step, replaced by a new batch, every use audited."""

import re

import pytest
from django.contrib.auth.hashers import check_password
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from home.models import BackupCodeEvent, BackupCodeEventKind, StaffBackupCode
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/admin/second-factor/backup-codes/"
CODE = re.compile(r"<code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</code>")


@pytest.fixture
def staff():
    user = UserFactory()
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user


def app_code(user):
    device = TOTPDevice.objects.get(user=user)
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def password_login(user) -> Client:
    client = Client()
    response = client.post("/admin/login/", {"username": user.username, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0].startswith("/admin/second-factor/")
    return client


def signed_in_with_app(user) -> Client:
    client = password_login(user)
    response = client.post("/admin/second-factor/", {"token": app_code(user), "next": "/admin/"})
    assert response["Location"] == "/admin/"
    return client


def generate(client) -> list[str]:
    response = client.post(PAGE)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "they will not be shown again" in response.content.decode()
    return CODE.findall(response.content.decode())


def test_a_batch_of_ten_is_shown_once_and_stored_hashed(staff):
    client = signed_in_with_app(staff)
    assert "Backup codes" in client.get("/admin/account/").content.decode()
    before = client.get(PAGE).content.decode()
    assert "You have 0 unused backup codes." in before

    codes = generate(client)

    assert len(codes) == 10 and len(set(codes)) == 10
    stored = list(StaffBackupCode.objects.filter(user=staff))
    assert len(stored) == 10
    for code in codes:
        assert not any(code in row.code_hash for row in stored)
        assert sum(check_password(code, row.code_hash) for row in stored) == 1
    again = client.get(PAGE).content.decode()
    assert "You have 10 unused backup codes." in again
    assert not CODE.search(again)
    event = BackupCodeEvent.objects.get(user=staff)
    assert (event.kind, event.actor) == (BackupCodeEventKind.GENERATED, staff)


def test_signing_in_with_a_backup_code_works_once_and_is_audited(staff):
    codes = generate(signed_in_with_app(staff))

    client = password_login(staff)
    assert "backup code" in client.get("/admin/second-factor/").content.decode()
    typed = codes[3].upper().replace("-", " ")  # as read off paper
    started = timezone.now()
    done = client.post("/admin/second-factor/", {"token": typed, "next": "/admin/"}, follow=True)

    assert done.redirect_chain[-1][0] == "/admin/"
    assert "Dashboard" in done.content.decode()
    assert "You signed in with a backup code; 9 codes are left." in done.content.decode()
    used = BackupCodeEvent.objects.get(user=staff, kind=BackupCodeEventKind.USED)
    assert used.actor == staff and used.at >= started
    assert StaffBackupCode.objects.filter(user=staff, used_at__isnull=False).count() == 1

    client.post("/admin/logout/")
    again = password_login(staff)
    refused = again.post("/admin/second-factor/", {"token": codes[3], "next": "/admin/"})
    assert refused.status_code == 200
    assert "This backup code is not right or was already used." in refused.content.decode()
    assert again.get("/admin/").status_code == 302
    assert BackupCodeEvent.objects.filter(user=staff, kind=BackupCodeEventKind.USED).count() == 1


def test_generating_again_invalidates_the_earlier_codes(staff, time_machine):
    client = signed_in_with_app(staff)
    old = generate(client)
    new = generate(client)
    assert not set(old) & set(new)
    assert StaffBackupCode.objects.filter(user=staff).count() == 10

    time_machine.move_to(timezone.now(), tick=False)
    signing_in = password_login(staff)
    refused = signing_in.post("/admin/second-factor/", {"token": old[0]})
    assert "This backup code is not right or was already used." in refused.content.decode()
    assert signing_in.get("/admin/").status_code == 302
    time_machine.shift(2)  # past the wait after a wrong code
    accepted = signing_in.post("/admin/second-factor/", {"token": new[0], "next": "/admin/"})
    assert accepted["Location"] == "/admin/"
    assert signing_in.get("/admin/").status_code == 200


def test_a_password_alone_cannot_see_or_make_backup_codes(staff):
    client = password_login(staff)
    for response in (client.get(PAGE), client.post(PAGE)):
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/second-factor/")
    assert not StaffBackupCode.objects.exists()


def test_wrong_backup_codes_are_throttled_like_app_codes(staff, time_machine):
    codes = generate(signed_in_with_app(staff))
    time_machine.move_to(timezone.now(), tick=False)
    client = password_login(staff)
    client.post("/admin/second-factor/", {"token": "aaaa-bbbb-cccc"})
    response = client.post("/admin/second-factor/", {"token": codes[0]})
    assert "Too many wrong codes" in response.content.decode()
    assert client.get("/admin/").status_code == 302
    assert not StaffBackupCode.objects.filter(used_at__isnull=False).exists()


def test_superusers_read_the_backup_code_audit_trail(staff):
    staff.is_superuser = True
    staff.save()
    client = signed_in_with_app(staff)
    generate(client)
    listing = client.get("/admin/snippets/home/backupcodeevent/")
    assert listing.status_code == 200
    assert "Backup codes generated" in listing.content.decode()
    assert staff.username in listing.content.decode() or staff.get_full_name() in listing.content.decode()
    assert client.get("/admin/snippets/home/backupcodeevent/add/").status_code in (302, 403)
