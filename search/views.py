import time

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from programs.tenancy import partner_context

from . import engine, selectors, services

FILTER_PARAMETERS = ("type", "product_line", "language", "updated")


def _language() -> str:
    return (get_language() or settings.LANGUAGE_CODE).split("-")[0]


def _run_search(request) -> selectors.SearchResults:
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    query = request.GET.get("q", "")
    language = _language()
    results = selectors.portal_search(
        user=request.user,
        query=query,
        filters={name: request.GET.get(name, "") for name in FILTER_PARAMETERS},
        sort="newest" if request.GET.get("sort") == "newest" else "relevance",
        page=page,
        language=language,
    )
    if page == 1 and results.query:
        partner = partner_context(request.user)
        services.search_query_log_later(
            query=results.query,
            results=results.total,
            language=language,
            organization_id=partner.organization.pk if partner else None,
            user_id=request.user.pk if partner else None,
        )
    return results


@login_required
@require_GET
def search_page(request):
    results = _run_search(request)
    return render(
        request,
        "search/search_page.html",
        {
            "results": results,
            "filters": {name: request.GET.get(name, "") for name in FILTER_PARAMETERS},
            "sort": request.GET.get("sort", "relevance"),
        },
    )


@login_required
@require_GET
def search_api(request):
    started = time.perf_counter()
    with engine.waiting() as waited:
        results = _run_search(request)
    # Field by field rather than dataclasses.asdict, which deep-copies every
    # value of every hit (a tenth of the view's own work).
    payload = {**vars(results), "hits": [vars(hit) for hit in results.hits], "has_next": results.has_next}
    response = JsonResponse(payload, json_dumps_params={"default": str})
    # For the browser's network panel and bench/search.py: the engine's own
    # time (its "took"), how long the view waited for the engine's answers
    # (its took, its reading of the request and writing of the answer, and
    # the connection), how many requests it made for them (each pays the
    # engine's and the connection's fixed cost), and the whole view.
    response["Server-Timing"] = (
        f"engine;dur={results.engine_ms}, engine-wait;dur={waited.milliseconds:.1f}, "
        f'engine-requests;desc="{waited.requests}", view;dur={(time.perf_counter() - started) * 1000:.1f}'
    )
    return response


@login_required
@require_GET
def autocomplete_api(request):
    suggestions = selectors.autocomplete(user=request.user, prefix=request.GET.get("q", ""), language=_language())
    return JsonResponse({"suggestions": suggestions})
