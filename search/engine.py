"""The Elasticsearch connection, shared through the DSL's connection registry."""

from django.conf import settings
from elasticsearch import Elasticsearch
from elasticsearch.dsl import connections


def is_enabled() -> bool:
    return bool(settings.ELASTICSEARCH_URL)


def get_client() -> Elasticsearch:
    """The client for the configured URL, created once per process."""
    url = settings.ELASTICSEARCH_URL
    if not url:
        raise RuntimeError("ELASTICSEARCH_URL is not set: the portal runs on database search.")
    try:
        return connections.get_connection(alias=url)
    except KeyError:
        return connections.create_connection(alias=url, hosts=[url], request_timeout=settings.ELASTICSEARCH_TIMEOUT)


def index_name(name: str) -> str:
    return f"{settings.SEARCH_INDEX_PREFIX}-{name}"
