"""A publication reaches every app server without a restart: a second Django
process, started before the publication with the catalogs loaded, reads the
new French wording on its next request, and the earlier one after a revert."""

import os
import subprocess
import sys
import uuid

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from interface_strings.catalogs import string_key
from interface_strings.models import StringChange
from tests.conftest import REPO, _test_database_url
from tests.factories import UserFactory

#: the second server: one "request" (a French gettext) per line read
SERVER = """
import sys
import uuid
import django
django.setup()
from django.utils import translation
from interface_strings.overrides import ensure_current
for _line in sys.stdin:
    ensure_current()
    with translation.override("fr"):
        print(translation.gettext("Register a deal"), flush=True)
"""


class SecondServer:
    def __init__(self):
        environment = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
        environment.update(
            DJANGO_SETTINGS_MODULE="portal.settings.test",
            DATABASE_URL=_test_database_url(),
            PYTHONPATH=os.pathsep.join([str(REPO), str(REPO / "site")]),
        )
        self.process = subprocess.Popen(
            [sys.executable, "-c", SERVER],
            cwd=REPO,
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def french_button(self) -> str:
        self.process.stdin.write("request\n")
        self.process.stdin.flush()
        return self.process.stdout.readline().strip()

    def stop(self):
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_another_server_reads_the_published_wording_on_its_next_request():
    translator = UserFactory(username=f"translator-{uuid.uuid4().hex[:12]}")
    translator.groups.add(Group.objects.get(name="Localization"))
    client = Client()
    client.force_login(translator)
    edit_url = f"/admin/interface-strings/fr/{string_key(msgid='Register a deal')}/"
    server = SecondServer()
    try:
        assert server.french_button() == "Enregistrer une affaire"

        client.post(edit_url, {"form_0": "Déclarer une opportunité", "publish": ""})
        assert server.french_button() == "Déclarer une opportunité"

        change = StringChange.objects.get(action=StringChange.Action.PUBLISHED)
        client.post(f"/admin/interface-strings/changes/{change.pk}/revert/")
        assert server.french_button() == "Enregistrer une affaire"
    finally:
        server.stop()
