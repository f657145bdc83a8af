from wagtail.contrib.sitemaps import Sitemap

from .audience import reader_for, visible_pages


class AudienceSitemap(Sitemap):
    """Wagtail's sitemap of live, public pages, less those the reader may not
    see: left out by the listing's own statement (asked page by page, a
    sitemap over 350,279 gated pages would be as many statements)."""

    def items(self):
        return visible_pages(super().items(), reader_for(self.request))
