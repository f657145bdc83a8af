from .documents import PageDocument
from .engine import get_client


def page_index_ensure() -> None:
    """Create the pages index with its mapping if it does not exist yet."""
    client = get_client()
    if not PageDocument._index.exists(using=client):
        PageDocument.init(using=client)


def page_document_save(*, page, refresh: bool = False) -> PageDocument:
    """Write ``page`` into the search index (``refresh`` makes it visible at once)."""
    page_index_ensure()
    document = PageDocument.from_page(page)
    document.save(using=get_client(), refresh=refresh)
    return document
