"""Search engine integration.

The portal's own search talks to Elasticsearch through the DSL
(``elasticsearch.dsl``) when ELASTICSEARCH_URL is set. Wagtail's admin search
stays on its database backend: the Elasticsearch distribution the project runs
has no analysis-common module, which Wagtail's Elasticsearch backend needs
for its edge n-gram analyzers.
"""

from . import environment as env

ELASTICSEARCH_URL = env.ELASTICSEARCH_URL
SEARCH_INDEX_PREFIX = env.SEARCH_INDEX_PREFIX
ELASTICSEARCH_TIMEOUT = 5

WAGTAILSEARCH_BACKENDS = {
    "default": {
        "BACKEND": "wagtail.search.backends.database",
    }
}
