import socket
import subprocess

import pytest
from django.test import Client, override_settings

from tests.conftest import REPO
from tests.factories import PartnerUserFactory

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_healthz_reports_every_service_up(client):
    response = client.get("/healthz/")

    assert response.status_code == 200
    report = response.json()
    assert report["status"] == "ok"
    assert report["checks"]["database"] == {"up": True, "backend": "postgresql"}
    assert report["checks"]["search"]["backend"] == "elasticsearch"
    assert report["checks"]["search"]["up"] is True
    assert report["checks"]["broker"] == {"up": True, "backend": "redis"}


def test_healthz_names_an_unreachable_search_engine(client):
    with override_settings(ELASTICSEARCH_URL=f"http://127.0.0.1:{_closed_port()}"):
        response = client.get("/healthz/")

    assert response.status_code == 503
    report = response.json()
    assert report["failing"] == ["search"]
    assert report["checks"]["search"]["up"] is False


def test_healthz_says_which_part_failed_but_not_why(client, caplog):
    port = _closed_port()
    with override_settings(ELASTICSEARCH_URL=f"http://127.0.0.1:{port}"):
        response = client.get("/healthz/")

    assert response.json()["checks"]["search"] == {"up": False, "backend": "elasticsearch"}
    assert str(port) not in response.text and "127.0.0.1" not in response.text
    assert "search engine is down" in caplog.text, "the reason goes to the log"


def test_healthz_reports_a_stopped_redis_as_down_while_partners_keep_using_the_portal(client):
    partner = Client()
    partner.force_login(PartnerUserFactory(roles=["owner"]))
    assert partner.get("/dashboard/").status_code == 200
    services = REPO / "scripts" / "services.sh"
    subprocess.run([services, "stop", "redis"], check=True, capture_output=True)
    try:
        response = client.get("/healthz/")
        # Redis is the cache and the task broker: pages read the database.
        pages = {url: partner.get(url).status_code for url in ("/dashboard/", "/deals/", "/mdf/", "/search/?q=price")}
        searched = partner.get("/search/api/", {"q": "price"})
    finally:
        subprocess.run([services, "start", "redis"], check=True, capture_output=True)

    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]
    assert pages == {"/dashboard/": 200, "/deals/": 200, "/mdf/": 200, "/search/?q=price": 200}
    assert searched.status_code == 200 and searched.json()["total"] == 0
    assert client.get("/healthz/").status_code == 200
