import os
import secrets
import subprocess
import sys

import pytest

from tests.conftest import REPO


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if key not in {"SECRET_KEY", "ALLOWED_HOSTS"}}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=environment, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_the_deployment_checks():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="portal.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="partners.vendor.example",
        EMAIL_HOST="smtp.vendor.example",
        DEFAULT_FROM_EMAIL="partners@vendor.example",
    )

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_and_names_everything_missing():
    result = _manage(
        "check",
        DJANGO_SETTINGS_MODULE="portal.settings.production",
        DATABASE_URL="",
        REDIS_URL="",
        ELASTICSEARCH_URL="",
        EMAIL_HOST="",
        DEFAULT_FROM_EMAIL="",
    )

    assert result.returncode != 0
    message = result.stderr.strip().splitlines()[-1]
    for name in (
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DATABASE_URL",
        "REDIS_URL",
        "ELASTICSEARCH_URL",
        "EMAIL_HOST",
        "DEFAULT_FROM_EMAIL",
    ):
        assert name in message, f"{name} not named in: {message}"


def test_production_refuses_a_short_secret_even_when_everything_else_is_set():
    result = _manage(
        "check",
        DJANGO_SETTINGS_MODULE="portal.settings.production",
        SECRET_KEY="short",
        ALLOWED_HOSTS="partners.vendor.example",
        EMAIL_HOST="smtp.vendor.example",
        DEFAULT_FROM_EMAIL="partners@vendor.example",
    )

    assert result.returncode != 0
    message = result.stderr.strip().splitlines()[-1]
    assert "SECRET_KEY" in message and "ALLOWED_HOSTS" not in message


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_demo_with_its_known_passwords_refuses_to_seed_a_production_database():
    from django.contrib.auth import get_user_model

    from tests.conftest import _test_database_url

    users_before = get_user_model().objects.count()
    result = _manage(
        "seed_demo",
        DJANGO_SETTINGS_MODULE="portal.settings.production",
        DATABASE_URL=_test_database_url(),
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="partners.vendor.example",
        EMAIL_HOST="smtp.vendor.example",
        DEFAULT_FROM_EMAIL="partners@vendor.example",
    )

    assert result.returncode != 0
    assert "refuses to run on production settings" in result.stderr
    assert get_user_model().objects.count() == users_before
