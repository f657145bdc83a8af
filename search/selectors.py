from .documents import PortalDocument
from .engine import get_client
from .services import alias_name


def documents_search(*, query: str, size: int = 10) -> list[PortalDocument]:
    """Plain relevance search over live documents (ranking and audience
    filtering arrive with the portal search page)."""
    search = (
        PortalDocument.search(using=get_client(), index=alias_name())
        .query("multi_match", query=query, fields=["title^3", "summary^2", "body"])
        .exclude("term", deleted=True)
        .extra(size=size)
    )
    return list(search.execute())
