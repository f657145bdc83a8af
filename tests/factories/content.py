"""Portal pages for tests, built through Wagtail's page API the way editors'
saves are: ``add_child`` and then publishing a revision."""

from django.core.files.base import ContentFile
from wagtail.documents.models import Document

from content.models import AssetPage, AssetType

M2M_FIELDS = {
    "audience_tiers",
    "audience_partner_types",
    "audience_regions",
    "audience_certifications",
    "product_lines",
    "partner_types",
}


def publish_page(parent, page_class, *, user=None, **fields):
    """A live page of ``page_class`` under ``parent`` (many-to-many fields as lists)."""
    relations = {name: fields.pop(name) for name in list(fields) if name in M2M_FIELDS}
    page = page_class(**fields)
    for name, values in relations.items():
        getattr(page, name).set(values)
    parent.add_child(instance=page)
    page.save_revision(user=user).publish(user=user)
    return page_class.objects.get(pk=page.pk)


def republish(page, *, user=None, **changes):
    """Edit and publish a new revision of ``page``, as the page editor does."""
    page = type(page).objects.get(pk=page.pk)
    for name, value in changes.items():
        if name in M2M_FIELDS:
            getattr(page, name).set(value)
        else:
            setattr(page, name, value)
    page.full_clean()
    page.save_revision(user=user).publish(user=user)
    return type(page).objects.get(pk=page.pk)


def document(title="Price list", content=b"%PDF-1.4 price list v1", filename="price-list.pdf"):
    return Document.objects.create(title=title, file=ContentFile(content, name=filename))


def asset_type(code="price-list"):
    return AssetType.objects.get(code=code, locale__language_code="en")


def publish_asset(parent, title="Storage price list", **fields):
    fields.setdefault("asset_type", asset_type())
    fields.setdefault("summary", f"{title} for partners.")
    if not any(fields.get(name) for name in ("document", "image", "video_url")):
        fields["document"] = document(title=title)
    return publish_page(parent, AssetPage, title=title, **fields)
