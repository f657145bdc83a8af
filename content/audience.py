"""Audience rules of portal pages: inherited down the tree, narrowed below.

Each page with an audience of its own has a PageAudienceRule row (written
when the live page is saved). A reader is denied a page when the page or any
ancestor has a rule the reader fails, so the pages hidden from a reader are
whole subtrees. Gated pages are many and their audiences few: a reader is
checked against each distinct audience once, and a listing asks the database
to leave out the pages with a rule, on themselves or an ancestor, of an
audience the reader does not pass.
"""

import json
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import Exists, F, OuterRef, Q, TextField
from django.db.models.functions import Cast, Left
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


class AudienceGroup(NamedTuple):
    """One distinct audience of the pages' rules."""

    audience: Audience
    #: the audience's lists as stored (what the database compares)
    lists: dict
    #: the tree depths of the pages that have it
    depths: frozenset[int]


@dataclass(frozen=True)
class AudienceRules:
    """The distinct audiences of the pages' own rules, as a process keeps
    them: a handful, whatever the number of gated pages (the rules
    themselves stay in the database, which each statement asks)."""

    #: key (the audience as the database writes it as text) -> its group
    audiences: dict[str, AudienceGroup]


def _audience_rules_read() -> AudienceRules:
    from .models import PageAudienceRule

    # Distinct (audience, depth) pairs counted by the database: reading the
    # 350,279 rules of the bench database into each process took a second
    # and kept 174 MB of paths. Each audience is decoded once.
    pairs = (
        PageAudienceRule.objects.annotate(key=Cast("audience", output_field=TextField()), depth=F("page__depth"))
        .values_list("key", "depth")
        .distinct()
    )
    depths: dict[str, set[int]] = {}
    for key, depth in pairs:
        depths.setdefault(key, set()).add(depth)
    audiences = {}
    for key, key_depths in depths.items():
        lists = json.loads(key)
        audiences[key] = AudienceGroup(Audience.from_lists(lists), lists, frozenset(key_depths))
    return AudienceRules(audiences=audiences)


#: what changes the rules a process keeps: a rule saved or deleted, a page
#: moved (its path and its descendants' change); not every page saved, as
#: other configuration is (reading 350,279 rules took each process about a
#: second after every publish)
RULES_SCOPE = "page-audience-rules"


def _audience_rules() -> AudienceRules:
    # The same for every reader: kept by the process until a rule changes or
    # a page moves (content.apps).
    return remembered_until_changed("page audience rules", _audience_rules_read, scope=RULES_SCOPE)


def audience_groups() -> list[AudienceGroup]:
    """The distinct audiences of the pages' own rules."""
    return list(_audience_rules().audiences.values())


def _failed_audiences(reader: Reader) -> tuple[str, ...]:
    """The keys of the page audiences ``reader`` fails. Each reader is
    checked against the distinct audiences, not every page's rule (350,279
    rules took 2.3 s per request, for 6 audiences)."""
    if "failed audiences" not in reader.cache:
        audiences = _audience_rules().audiences
        reader.cache["failed audiences"] = tuple(
            sorted(key for key, group in audiences.items() if not reader.may_see(group.audience))
        )
    return reader.cache["failed audiences"]


def visibility_key(reader: Reader) -> tuple:
    """What :func:`visible_pages` decides by for ``reader``: readers with the
    same key see the same pages (those failing the same audiences)."""
    if reader.sees_everything:
        return ("everything",)
    if not reader.is_partner:
        return ("nothing",)
    return ("all but", *_failed_audiences(reader))


def visible_pages(queryset, reader: Reader):
    """The pages of ``queryset`` that ``reader`` may see: those without a rule,
    on themselves or an ancestor, of an audience the reader fails."""
    from .models import PageAudienceRule

    if reader.sees_everything:
        return queryset
    if not reader.is_partner:
        return queryset.none()
    failed = _failed_audiences(reader)
    if not failed:
        return queryset
    audiences = _audience_rules().audiences
    # The audiences go to the database, not the hidden pages' paths: sent as
    # lists, 350,279 gated assets made statements of 5 MB taking seconds
    # each. A rule counts as failed unless its audience is one the reader
    # passes, so a rule the database spells differently hides its pages.
    passed = [group.lists for key, group in audiences.items() if key not in failed]
    depths = sorted(set().union(*(audiences[key].depths for key in failed)))
    self_or_ancestor = Q()
    for depth in depths:
        self_or_ancestor |= Q(page__path=Left(OuterRef("path"), depth * PATH_STEP))
    failing_rules = PageAudienceRule.objects.filter(self_or_ancestor).exclude(audience__in=passed)
    return queryset.exclude(Exists(failing_rules))


def page_visible(page, reader: Reader) -> bool:
    return page.pk in visible_page_ids([page], reader)


def visible_page_ids(pages, reader: Reader) -> set[int]:
    """The ids of ``pages`` that ``reader`` may see: the pages not already
    answered during the reader's request are asked about in one statement
    (:func:`_failing_rule_paths`, the same rule as :func:`visible_pages`)."""
    if reader.sees_everything or (reader.is_partner and not _failed_audiences(reader)):
        return {page.pk for page in pages}
    if not reader.is_partner:
        return set()
    answered = reader.cache.setdefault("visible page ids", {})
    unanswered = [page for page in pages if page.pk not in answered]
    if unanswered:
        failing = _failing_rule_paths({path for page in unanswered for path in ancestor_paths(page)}, reader)
        answered.update((page.pk, failing.isdisjoint(ancestor_paths(page))) for page in unanswered)
    return {page.pk for page in pages if answered[page.pk]}


def _failing_rule_paths(paths: set[str], reader: Reader) -> set[str]:
    """Those of ``paths`` whose page has a rule ``reader`` fails: asked by
    path (index lookups), where :func:`visible_pages`' statement for a few
    pages took 6.5 ms over the bench database's 350,279 rules."""
    from .models import PageAudienceRule

    audiences = _audience_rules().audiences
    failed = _failed_audiences(reader)
    depths = set().union(*(audiences[key].depths for key in failed))
    # As in visible_pages: a rule fails unless its audience is one passed.
    passed = [group.lists for key, group in audiences.items() if key not in failed]
    candidates = [path for path in paths if len(path) // PATH_STEP in depths]
    if not candidates:
        return set()
    rules = PageAudienceRule.objects.filter(page__path__in=candidates).exclude(audience__in=passed)
    return set(rules.values_list("page__path", flat=True))


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
