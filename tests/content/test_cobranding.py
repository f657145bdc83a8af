"""Co-branded templates: partners fill in only the whitelisted fields and get a
PDF and a PNG with their own details, rendered by the real Celery worker."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from content.models import CobrandField, CobrandGeneration, CobrandTemplatePage, GenerationStatus, SectionPage
from content.rendering import pdf_text
from tests.factories import OrganizationFactory, PartnerUserFactory, TierFactory
from tests.factories.content import publish_page

FLYER_HTML = """
<h1 style="color: {{ partner.colour }}">{{ field.headline }}</h1>
<p>Your storage partner: {{ partner.name }}</p>
<p>{{ partner.email }} · {{ partner.phone }}</p>
<p>{{ partner.address }}</p>
"""


def flyer(parent, **fields):
    fields.setdefault("html", FLYER_HTML)
    fields.setdefault("text", "Talk to {{ partner.name }} about {{ field.headline }}: {{ partner.email }}")
    fields.setdefault("css", "@page { size: 148mm 105mm; margin: 8mm; } body { font-family: DejaVu Sans; }")
    fields.setdefault("image_width", 1200)
    fields.setdefault("image_height", 628)
    page = CobrandTemplatePage(title="Storage flyer", slug="storage-flyer", **fields)
    page.free_fields = [CobrandField(name="headline", label="Headline", max_length=40, default="Fast storage")]
    parent.add_child(instance=page)
    page.save_revision().publish()
    return CobrandTemplatePage.objects.get(pk=page.pk)


def acme_partner(**organization_fields):
    organization = OrganizationFactory(
        name="Acme Systems GmbH",
        contact_email="hello@acme.example",
        phone="+49 30 1234567",
        street_address="Hauptstraße 5",
        postal_code="10115",
        city="Berlin",
        country="DE",
        brand_colour="#0055aa",
        **organization_fields,
    )
    client = Client()
    user = PartnerUserFactory(organization=organization, roles=["marketing"])
    client.force_login(user)
    return client, user, organization


def generate(client, template, **values):
    url = reverse("content:cobrand_generate", args=[template.pk])
    return client.post(url, {f"field_{name}": value for name, value in values.items()})


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_partner_downloads_a_pdf_and_png_with_their_details_from_the_worker(celery_worker, home_page, wait_for):
    template = flyer(home_page)
    client, user, organization = acme_partner()

    started = generate(client, template, headline="Backups in minutes")

    assert started.status_code == 202, started.content
    state = started.json()
    done = wait_for(
        lambda: (s := client.get(state["status_url"]).json())["status"] in ("done", "failed") and s,
        timeout=30,
        message="the worker to render the flyer",
    )
    assert done["status"] == "done", done
    assert done["progress"] == 100
    pdf = b"".join(client.get(done["pdf_url"]).streaming_content)
    text = pdf_text(pdf)
    for expected in ("Backups in minutes", "Acme Systems GmbH", "hello@acme.example", "+49 30 1234567", "Berlin"):
        assert expected in text
    png = client.get(done["png_url"])
    assert png["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(b"".join(png.streaming_content))).size == (1200, 628)

    logged = CobrandGeneration.objects.get(pk=state["id"])
    assert (logged.template_id, logged.organization, logged.user) == (template.pk, organization, user)
    assert logged.template_revision_id == template.live_revision_id
    assert logged.values == {"headline": "Backups in minutes"}
    assert logged.finished_at is not None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("submitted", "field", "message"),
    [
        ({"headline": "x" * 41}, "headline", "at most 40 characters (you entered 41)"),
        ({"partner_name": "Someone else"}, "partner_name", "cannot be changed"),
        ({"colour": "#ff0000"}, "colour", "cannot be changed"),
    ],
)
def test_only_whitelisted_fields_within_their_limits_are_accepted(home_page, submitted, field, message):
    template = flyer(home_page)
    client, _user, _organization = acme_partner()

    response = generate(client, template, **submitted)

    assert response.status_code == 400
    assert message in " ".join(response.json()["errors"][field])
    assert not CobrandGeneration.objects.exists()


@pytest.mark.django_db
def test_the_template_page_shows_the_personalized_text_to_copy(home_page):
    template = flyer(home_page)
    client, _user, _organization = acme_partner()

    page = client.get(template.url).text

    assert "Talk to Acme Systems GmbH about Fast storage: hello@acme.example" in page
    assert 'name="field_headline"' in page and 'maxlength="40"' in page


@pytest.mark.django_db
def test_a_template_outside_the_partners_audience_cannot_be_generated(home_page):
    gold, silver = TierFactory(name="Gold"), TierFactory(name="Silver")
    template = flyer(home_page)
    template.audience_tiers.set([gold])
    template.save_revision().publish()
    client, _user, _organization = acme_partner(tier=silver)

    assert client.get(template.url).status_code == 404
    assert generate(client, template, headline="Hi").status_code == 404
    assert not CobrandGeneration.objects.exists()


@pytest.mark.django_db
def test_a_file_of_an_unfinished_generation_is_not_served(home_page):
    template = flyer(home_page)
    client, user, organization = acme_partner()
    generation = CobrandGeneration.objects.create(
        template=template, organization=organization, user=user, status=GenerationStatus.RUNNING
    )

    assert client.get(reverse("content:generation_file", args=[generation.pk, "pdf"])).status_code == 404
    assert client.get(reverse("content:generation_status", args=[generation.pk])).json()["status"] == "running"


def _editor_form(html, free_field_names=("headline",)):
    return nested_form_data(
        {
            "title": "Event invite",
            "slug": "event-invite",
            "kind": "flyer",
            "summary": "",
            "html": html,
            "css": "",
            "text": "",
            "image_width": 1200,
            "image_height": 628,
            "free_fields": inline_formset(
                [{"name": name, "label": name.title(), "max_length": 40, "default": ""} for name in free_field_names]
            ),
        }
    )


@pytest.mark.django_db
def test_an_editor_is_told_about_a_broken_placeholder_and_nothing_is_saved(admin_client, home_page):
    section = publish_page(home_page, SectionPage, title="Marketing kit")
    add_url = f"/admin/pages/add/content/cobrandtemplatepage/{section.pk}/"

    response = admin_client.post(add_url, _editor_form("<p>{{ partner.nmae }} {{ field.date }}</p>"))

    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["html"])
    assert "Unknown placeholder {{ partner.nmae }}" in errors
    assert "Unknown placeholder {{ field.date }}" in errors
    assert "{{ partner.name }}" in errors  # the message lists what may be used
    assert not CobrandTemplatePage.objects.filter(slug="event-invite").exists()


@pytest.mark.django_db
def test_an_editor_may_use_the_free_fields_defined_on_the_same_form(admin_client, home_page):
    section = publish_page(home_page, SectionPage, title="Marketing kit")
    add_url = f"/admin/pages/add/content/cobrandtemplatepage/{section.pk}/"

    response = admin_client.post(add_url, _editor_form("<p>{{ partner.name }} {{ field.date }}</p>", ["date"]))

    assert response.status_code == 302, response.context["form"].errors if response.context else response
    saved = CobrandTemplatePage.objects.get(slug="event-invite", alias_of=None)
    assert [field.name for field in saved.free_fields.all()] == ["date"]


@pytest.mark.django_db
def test_channel_ops_see_every_generation_in_the_admin_log(admin_client, home_page):
    template = flyer(home_page)
    _client, user, organization = acme_partner()
    CobrandGeneration.objects.create(template=template, organization=organization, user=user)

    listing = admin_client.get("/admin/snippets/content/cobrandgeneration/")

    assert listing.status_code == 200
    assert "Storage flyer" in listing.text and "Acme Systems GmbH" in listing.text


@pytest.mark.django_db
def test_partner_values_are_escaped_in_the_rendered_html(home_page):
    from content.services import cobrand_html, cobrand_values

    template = flyer(home_page)
    _client, _user, organization = acme_partner()
    organization.name = "<script>alert(1)</script> & Co"
    values = cobrand_values(template=template, organization=organization, free_values={"headline": "<b>x</b>"})

    html = cobrand_html(template=template, values=values)

    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html


def test_without_an_image_height_the_png_keeps_the_page_proportions():
    from content.rendering import render_pdf, render_png

    pdf = render_pdf("<style>@page { size: 200mm 100mm; }</style><p>Wide card</p>")

    assert Image.open(io.BytesIO(render_png(pdf, width=800))).size == (800, 400)
