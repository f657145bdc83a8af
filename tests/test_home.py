import pytest

pytestmark = pytest.mark.django_db


def test_home_page_renders_with_vendor_branding(client, home_page):
    home_page.title = "Acme Partner Network"
    home_page.intro = "<p>Sell storage with us.</p>"
    home_page.save_revision().publish()

    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Acme Partner Network</h1>" in html
    assert "Sell storage with us." in html
    assert 'href="/login/?next=/"' in html
    assert 'name="viewport"' in html


def test_site_directory_does_not_shadow_the_standard_library():
    import subprocess
    import sys

    from tests.conftest import REPO

    printed = subprocess.run(
        [sys.executable, "-c", "import site; print(site.__file__)"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert printed.endswith("/site.py")
    assert not printed.startswith(str(REPO))
