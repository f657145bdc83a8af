"""The request's Wagtail site without a query per request.

Wagtail looks the site up by host name and port on every request that asks
for it (the shell's content link, the branding settings, page URLs): one
query with a ranking ``CASE`` and the root page joined. Within a reading
request the answer is taken from the rows kept by
``programs.request_memo.remembered_until_changed`` (sites and pages forget
them when saved), as fresh instances for each request, and left where
Wagtail's ``Site.find_for_request`` looks first.
"""

from django.db import DEFAULT_DB_ALIAS
from django.http.request import split_domain_port
from wagtail.models import Page, Site

from .request_memo import in_reading_request, remembered_until_changed


def remember_site(request) -> None:
    """Set the request's site as ``Site.find_for_request`` would find it."""
    if not in_reading_request() or hasattr(request, "_wagtail_site"):
        return
    # Wagtail's own key: the raw host (no ALLOWED_HOSTS check) and the port.
    hostname, port = split_domain_port(request._get_raw_host())[0], request.get_port()
    kept = remembered_until_changed(("site", hostname, port), lambda: _rows(Site._find_for_request(request)))
    request._wagtail_site = _instances(kept)


def _rows(site: Site | None) -> tuple | None:
    if site is None:
        return None
    return _values(site), _values(site.root_page)


def _values(instance) -> tuple:
    fields = [field.attname for field in instance._meta.concrete_fields]
    return fields, tuple(getattr(instance, name) for name in fields)


def _instances(kept: tuple | None) -> Site | None:
    if kept is None:
        return None
    (site_fields, site_values), (page_fields, page_values) = kept
    site = Site.from_db(DEFAULT_DB_ALIAS, site_fields, site_values)
    site.root_page = Page.from_db(DEFAULT_DB_ALIAS, page_fields, page_values)
    return site
