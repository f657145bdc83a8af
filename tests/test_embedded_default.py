"""``make run``'s embedded default: SQLite, Wagtail's database search, tasks
run at once. The rest of the suite runs on PostgreSQL, so nothing else would
notice a page that only works there (program analytics answered 500 on
SQLite for a whole session). This test does what ``make run`` does in a
directory of its own (migrate, ``seed_demo``), then opens every partner page
as each demo role and every report as the demo admin, and reads the figures
the reports show against the demo's own records."""

import csv
import datetime
import io
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ROLES = ["owner", "sales", "marketing", "technical", "finance"]
PARTNER_PAGES = ["/", "/scorecard/", "/mdf/", "/incentives/", "/menu/", "/search/?q=storage", "/deals/"]
#: the pages each demo role may open (the others answer "not found", as on PostgreSQL)
ROLE_PAGES = {
    "owner": set(PARTNER_PAGES),
    "sales": {"/", "/incentives/", "/menu/", "/search/?q=storage", "/deals/"},
    "marketing": {"/", "/mdf/", "/menu/", "/search/?q=storage", "/deals/"},
    "technical": {"/", "/menu/", "/search/?q=storage", "/deals/"},
    "finance": {"/", "/mdf/", "/incentives/", "/menu/", "/search/?q=storage", "/deals/"},
}
REPORT_PAGES = [
    "/admin/",
    "/admin/analytics/program/",
    "/admin/analytics/portfolio/",
    "/admin/analytics/content/",
    "/admin/mdf/report/",
]

#: run with ``manage.py shell``: prints one JSON document of what a user would see
VISIT = """
import datetime, json, statistics
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from deals.models import DealRegistration
from mdf.models import ActivityDeal
from programs.tenancy import PORTAL_STATUSES

settings.ALLOWED_HOSTS = ["testserver"]
User = get_user_model()
statuses = {}
for role in ROLES:
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(username=f"northwind.{role}"))
    for url in PARTNER_PAGES:
        statuses[f"{role} {url}"] = client.get(url).status_code
admin = User.objects.get(username="admin")
device, _ = TOTPDevice.objects.get_or_create(user=admin, name="embedded-default")
client = Client(raise_request_exception=False)
client.force_login(admin)
session = client.session
session[DEVICE_ID_SESSION_KEY] = device.persistent_id
session.save()
for url in REPORT_PAGES:
    statuses[f"admin {url}"] = client.get(url).status_code
start = datetime.date.today() - datetime.timedelta(days=200)
exports = {
    table: client.get(f"/admin/analytics/program/?start={start}&export={table}&format=csv").content.decode()
    for table in ("conversion", "mdf")
}
deals = DealRegistration.objects.filter(
    organization__status__in=PORTAL_STATUSES, submitted_at__date__range=(start, datetime.date.today())
)
approved = [(d.approved_at - d.submitted_at).total_seconds() / 86400 for d in deals if d.approved_at]
linked = DealRegistration.objects.filter(pk__in=ActivityDeal.objects.values("deal_id"))
print("RESULT" + json.dumps({
    "statuses": statuses,
    "exports": exports,
    "submitted": deals.count(),
    "approved": len(approved),
    "won": deals.filter(status="won").count(),
    "median_approval_days": str(round(statistics.median(approved), 1)) if approved else "",
    "linked": linked.count(),
    "linked_pipeline": str(sum(d.estimated_value for d in linked)),
}))
"""


def _manage(env: dict, *args: str, stdin: str | None = None) -> str:
    completed = subprocess.run(
        [sys.executable, str(REPO / "manage.py"), *args],
        cwd=REPO,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert completed.returncode == 0, f"manage.py {' '.join(args)} failed:\n{completed.stdout}\n{completed.stderr}"
    return completed.stdout


def _visit(env: dict) -> dict:
    script = f"ROLES = {ROLES!r}\nPARTNER_PAGES = {PARTNER_PAGES!r}\nREPORT_PAGES = {REPORT_PAGES!r}\n{VISIT}"
    output = _manage(env, "shell", stdin=script)
    return json.loads(output.split("RESULT", 1)[1])


def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


@pytest.fixture(scope="module")
def embedded_env(tmp_path_factory) -> dict:
    """What ``make run`` runs with: no database, search engine or broker URL."""
    home = tmp_path_factory.mktemp("embedded")
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DATABASE_URL", "ELASTICSEARCH_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        # The same SQLite database make run uses, in a directory of the test's own.
        DATABASE_URL=f"sqlite:///{home / 'db.sqlite3'}",
        MEDIA_ROOT=str(home / "media"),
        PRIVATE_MEDIA_ROOT=str(home / "private-media"),
        STATIC_ROOT=str(home / "static"),
    )
    _manage(env, "migrate", "--noinput")
    _manage(env, "seed_demo")
    return env


def test_every_page_and_report_opens_with_the_demo_figures_on_sqlite(embedded_env):
    seen = _visit(embedded_env)

    failures = {page: status for page, status in seen["statuses"].items() if status >= 500}
    assert not failures, f"pages that fail on the embedded default: {failures}"
    for role, pages in ROLE_PAGES.items():
        opened = {url for url in PARTNER_PAGES if seen["statuses"][f"{role} {url}"] == 200}
        assert opened == pages, role
    assert {url for url in REPORT_PAGES if seen["statuses"][f"admin {url}"] == 200} == set(REPORT_PAGES)

    # Program analytics read the deal rollup: the funnel is the demo's registrations.
    (conversion,) = _rows(seen["exports"]["conversion"])
    assert seen["submitted"] > 0 and seen["approved"] > 0 and seen["won"] > 0
    assert int(conversion["Registrations submitted"]) == seen["submitted"]
    assert int(conversion["Approved"]) == seen["approved"]
    assert int(conversion["Won"]) == seen["won"]
    assert conversion["Median days to approval"] == seen["median_approval_days"]

    # The MDF table reads the attribution rollup: the demo's seminar brought the linked registrations.
    mdf_rows = _rows(seen["exports"]["mdf"])
    assert sum(int(row["Registrations"]) for row in mdf_rows) == seen["linked"] > 0
    assert sum(Decimal(row["Pipeline"]) for row in mdf_rows) == Decimal(seen["linked_pipeline"])


def test_rebuilding_the_rollups_on_sqlite_keeps_the_figures(embedded_env):
    before = _visit(embedded_env)["exports"]

    _manage(embedded_env, "rebuild_deal_rollup")
    _manage(embedded_env, "rebuild_mdf_attribution")

    assert _visit(embedded_env)["exports"] == before
    assert _rows(before["conversion"])[0]["Registrations submitted"] not in ("", "0")


def test_the_demo_partners_joined_before_their_first_deal(embedded_env):
    today = datetime.date.today()
    output = _manage(
        embedded_env,
        "shell",
        "-c",
        "import datetime; from analytics.program import ProgramFilters, median_days_to_first_deal;"
        f"print('DAYS', median_days_to_first_deal(ProgramFilters(start=datetime.date({today.year - 1}, 1, 1),"
        f" end=datetime.date({today.year}, {today.month}, {today.day}))))",
    )
    days = Decimal(output.split("DAYS", 1)[1].strip())
    assert days >= 0
