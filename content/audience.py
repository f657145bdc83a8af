"""Audience rules of portal pages: inherited down the tree, narrowed below.

Each page with an audience of its own has a PageAudienceRule row (written
when the live page is saved). A reader is denied a page when the page or any
ancestor has a rule the reader fails, so the pages hidden from a reader are
whole subtrees: the same path-prefix exclusion Wagtail uses for its own view
restrictions (``PageQuerySet.public``).
"""

import json

from django.db.models import Q
from django.db.models.functions import Left
from wagtail.models import Page

from programs.audience import Audience, Reader
from programs.request_memo import remembered_until_changed

from .signals import audience_changed

PATH_STEP = Page.steplen


def reader_for(request) -> Reader:
    """The request's reader; admin previews put a "view as" reader here."""
    reader = getattr(request, "portal_reader", None)
    if reader is None:
        reader = Reader.for_user(request.user)
        request.portal_reader = reader
    return reader


def _rules_by_audience() -> dict[str, tuple[Audience, list[str]]]:
    """The pages' own audiences, each distinct one (by its lists) with the
    tree paths of the pages that have it."""
    from .models import PageAudienceRule

    grouped: dict[str, tuple[Audience, list[str]]] = {}
    for path, lists in PageAudienceRule.objects.order_by("page__path").values_list("page__path", "audience"):
        key = json.dumps(lists, sort_keys=True)
        if key not in grouped:
            grouped[key] = (Audience.from_lists(lists), [])
        grouped[key][1].append(path)
    return grouped


def _failed_audiences(reader: Reader) -> tuple[str, ...]:
    """The distinct page audiences ``reader`` fails (their keys)."""
    if "failed audiences" not in reader.cache:
        # The rules are the same for every reader: kept by the process until
        # a rule or a page (whose path a move changes) is saved or deleted.
        # Thousands of gated pages share a handful of audiences, so each
        # reader is checked against those, not against every page's rule
        # (350,279 rules took 2.3 s per request, for 6 audiences).
        rules = remembered_until_changed("page audience rules", _rules_by_audience)
        reader.cache["failed audiences"] = tuple(
            key for key, (audience, _paths) in rules.items() if not reader.may_see(audience)
        )
    return reader.cache["failed audiences"]


def hidden_paths(reader: Reader) -> list[str]:
    """Tree paths of the pages (with their subtrees) hidden from ``reader``."""
    if reader.sees_everything:
        return []
    if "hidden_paths" not in reader.cache:
        failed = _failed_audiences(reader)

        def paths() -> list[str]:
            rules = remembered_until_changed("page audience rules", _rules_by_audience)
            return [path for key in failed for path in rules[key][1]]

        # Shared by the readers failing the same audiences; nobody changes it.
        reader.cache["hidden_paths"] = remembered_until_changed(("hidden page paths", failed), paths)
    return reader.cache["hidden_paths"]


def visibility_key(reader: Reader) -> tuple:
    """What :func:`visible_pages` decides by for ``reader``: readers with the
    same key see the same pages (those failing the same audiences)."""
    if reader.sees_everything:
        return ("everything",)
    if not reader.is_partner:
        return ("nothing",)
    return ("all but", *_failed_audiences(reader))


def visible_pages(queryset, reader: Reader):
    """The pages of ``queryset`` that ``reader`` may see."""
    if reader.sees_everything:
        return queryset
    if not reader.is_partner:
        return queryset.none()
    hidden_by_length: dict[int, list[str]] = {}
    for path in hidden_paths(reader):
        hidden_by_length.setdefault(len(path), []).append(path)
    if not hidden_by_length:
        return queryset
    # One "prefix of this length is one of these paths" test per tree depth
    # rather than a LIKE per hidden page: with thousands of gated pages the
    # OR of LIKEs took PostgreSQL's JIT longer to compile than any page may take.
    prefixes = {f"hidden_prefix_{length}": Left("path", length) for length in hidden_by_length}
    hidden = Q()
    for length, paths in hidden_by_length.items():
        hidden |= Q(**{f"hidden_prefix_{length}__in": paths})
    return queryset.alias(**prefixes).exclude(hidden)


def page_visible(page, reader: Reader) -> bool:
    if reader.sees_everything:
        return True
    if not reader.is_partner:
        return False
    return not any(page.path.startswith(path) for path in hidden_paths(reader))


def ancestor_paths(page) -> list[str]:
    return [page.path[:end] for end in range(PATH_STEP, len(page.path) + 1, PATH_STEP)]


def effective_audience(page, *, own: Audience | None = None, rules: dict | None = None) -> Audience:
    """The audience the page has in force: every ancestor's rule, then its own
    (``own`` replaces the stored rule of the page, e.g. for a draft preview;
    ``rules`` is :func:`audience_rules_by_path`, preloaded for many pages)."""
    from .models import PageAudienceRule

    paths = ancestor_paths(page) if page.path else []
    if own is not None:
        paths = paths[:-1]
    if rules is None:
        stored_rules = PageAudienceRule.objects.filter(page__path__in=paths).order_by("page__depth")
        stored = list(stored_rules.values_list("audience", flat=True))
    else:
        stored = [rules[path] for path in paths if path in rules]  # paths run from the root down
    audience = Audience()
    for lists in stored:
        audience = audience.narrowed_by(Audience.from_lists(lists))
    return audience.narrowed_by(own) if own is not None else audience


def audience_rules_by_path(page_paths=None) -> dict[str, dict]:
    """Pages' own audiences by tree path, for building many search documents:
    those of ``page_paths`` and their ancestors (every rule when None)."""
    from .models import PageAudienceRule

    rules = PageAudienceRule.objects.all()
    if page_paths is not None:
        step = Page.steplen
        ancestors = {path[:end] for path in page_paths for end in range(step, len(path) + 1, step)}
        rules = rules.filter(page__path__in=ancestors)
    return dict(rules.values_list("page__path", "audience"))


def audience_rule_sync(page) -> None:
    """Store the live page's own audience; tell the index when it changed."""
    from .models import PageAudienceRule

    own = page.own_audience()
    stored = PageAudienceRule.objects.filter(page_id=page.pk).values_list("audience", flat=True).first()
    previous = Audience.from_lists(stored) if stored is not None else Audience()
    if own == previous:
        return
    if own.is_everyone:
        PageAudienceRule.objects.filter(page_id=page.pk).delete()
    else:
        PageAudienceRule.objects.update_or_create(page_id=page.pk, defaults={"audience": own.as_lists()})
    audience_changed.send(sender=type(page), page=page)
