from .documents import PageDocument
from .engine import get_client


def page_documents_search(*, query: str, size: int = 10) -> list[PageDocument]:
    search = (
        PageDocument.search(using=get_client())
        .query("multi_match", query=query, fields=["title^3", "body"])
        .extra(size=size)
    )
    return list(search.execute())
