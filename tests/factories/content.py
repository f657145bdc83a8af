"""Portal pages for tests, built through Wagtail's page API the way editors'
saves are: ``add_child`` and then publishing a revision."""

from django.core.files.base import ContentFile
from wagtail.documents.models import Document

from content.models import AssetPage, AssetType
from programs.audience import Audience

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


def bulk_publish(parent, entries: list[tuple[type, dict]]) -> list:
    """Live pages under ``parent`` in a few inserts, for libraries of hundreds
    of pages (as bench/search.py seeds its own): ``entries`` are (page class,
    fields) with many-to-many fields as lists and ``first_published_at`` set.

    Nothing is announced: no revision, no signal, so index them with a
    rebuild (search.services.documents_reindex). What publishing writes
    beside the page is written too: the audience rule the page's own audience
    makes (content.audience) and an asset's current version."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import F
    from wagtail.models import Page

    from content.models import AssetVersion, PageAudienceRule

    last_child = parent.get_last_child()
    first_step = Page._str2int(last_child.path[-Page.steplen :]) + 1 if last_child else 1
    page_fields = [field.attname for field in Page._meta.concrete_fields if field.attname != "id"]
    pages, relations = [], []
    for offset, (page_class, fields) in enumerate(entries):
        fields = dict(fields)
        relations.append({name: fields.pop(name) for name in list(fields) if name in M2M_FIELDS})
        page = page_class(**fields)
        page.content_type = ContentType.objects.get_for_model(page_class)
        page.path = Page._get_path(parent.path, parent.depth + 1, first_step + offset)
        page.depth, page.numchild, page.locale_id = parent.depth + 1, 0, parent.locale_id
        page.url_path = f"{parent.url_path}{page.slug}/"
        page.draft_title, page.live, page.has_unpublished_changes = page.title, True, False
        page.last_published_at = page.first_published_at
        pages.append(page)
    bases = Page.objects.bulk_create(Page(**{name: getattr(page, name) for name in page_fields}) for page in pages)
    for page, base in zip(pages, bases, strict=True):
        page.pk = page.page_ptr_id = base.pk
    links, rules, versions = {}, [], []
    for page, related in zip(pages, relations, strict=True):
        for name, values in related.items():
            field = type(page)._meta.get_field(name)
            links.setdefault(field.remote_field.through, []).extend(
                field.remote_field.through(**{field.m2m_column_name(): page.pk, field.m2m_reverse_name(): value.pk})
                for value in values
            )
        audience = Audience.from_lists(
            {
                "tiers": [tier.translation_key for tier in related.get("audience_tiers", [])],
                "roles": getattr(page, "audience_roles", []),
                "partner_types": [kind.translation_key for kind in related.get("audience_partner_types", [])],
                "regions": [region.pk for region in related.get("audience_regions", [])],
                "certifications": [certification.pk for certification in related.get("audience_certifications", [])],
            }
        )
        if not audience.is_everyone:
            rules.append(PageAudienceRule(page_id=page.pk, audience=audience.as_lists()))
        if isinstance(page, AssetPage):
            versions.append(
                AssetVersion(
                    asset_id=page.pk,
                    label=page.version_label,
                    document_id=page.document_id,
                    image_id=page.image_id,
                    video_url=page.video_url,
                    effective_date=page.effective_date,
                    published_at=page.first_published_at,
                )
            )
    # Django refuses bulk_create for multi-table children: the child rows go in directly.
    for page_class in {type(page) for page in pages}:
        children = [page for page in pages if type(page) is page_class]
        page_class._base_manager._insert(children, fields=page_class._meta.local_concrete_fields)
    for through, rows in links.items():
        through.objects.bulk_create(rows)
    PageAudienceRule.objects.bulk_create(rules)
    AssetVersion.objects.bulk_create(versions)
    Page.objects.filter(pk=parent.pk).update(numchild=F("numchild") + len(pages))
    return pages
