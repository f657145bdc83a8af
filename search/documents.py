from elasticsearch.dsl import Date, Document, Integer, Keyword, Text

from .engine import index_name


class PageDocument(Document):
    """A published portal page as the portal search sees it."""

    page_id = Integer()
    title = Text()
    body = Text()
    url = Keyword()
    locale = Keyword()
    last_published_at = Date()

    class Index:
        name = index_name("pages")
        settings = {"number_of_shards": 1, "number_of_replicas": 0}

    @classmethod
    def from_page(cls, page) -> "PageDocument":
        specific = page.specific
        return cls(
            meta={"id": page.pk},
            page_id=page.pk,
            title=page.title,
            body=" ".join(str(value) for value in (page.search_description, getattr(specific, "intro", "")) if value),
            url=page.url or "",
            locale=page.locale.language_code,
            last_published_at=page.last_published_at,
        )
