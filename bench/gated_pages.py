"""Partner pages over hundreds of thousands of gated pages: the dashboard,
the library, the menu and the search page of a partner whose audiences hide
part of the content, through the Django test client (full middleware stack),
each timed in turn with a baseline request; then the first request after a
page is saved (which renews the configuration every process keeps) and after
an audience rule changes (which makes each process read the rules again).

Run it against the search benchmark's 1,000,000-asset database, whose
seeding gates about a third of the assets with page audience rules
(bench/search.py; bench/README.md "Seventeenth session"):

    eval "$(scripts/services.sh env)"
    export DATABASE_URL="${DATABASE_URL%/*}/prm_search8" SEARCH_INDEX_PREFIX=s1m \\
        ELASTICSEARCH_URL=http://127.0.0.1:29230 REDIS_URL=redis://127.0.0.1:26392/7
    .venv/bin/python bench/gated_pages.py --runs 20

Target (printed, not asserted): partner dashboard p95 ≤ 150 ms, as in
bench/dashboards.py. The baseline is a signed-in request that reads no
content (autocomplete answers one letter without a search), so the ratio
compares runs across days and machines.
"""

import argparse
import os
import random
import sys
import time
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "site")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.bench")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402

from bench.scale import measure, timed_get  # noqa: E402
from content.audience import RULES_SCOPE  # noqa: E402
from content.models import PageAudienceRule  # noqa: E402
from programs.request_memo import configuration_changed  # noqa: E402

BASELINE = "/search/autocomplete/?q=a"
PAGES = [
    ("partner dashboard", "/dashboard/", 150),
    ("library, first page", "/library/", None),
    ("library, page 2", "/library/?page=2", None),
    ("menu", "/menu/", None),
    ("search page", "/search/?q=price+list", None),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--user", default="northwind.sales", help="the partner whose pages are timed")
    args = parser.parse_args()

    rules = PageAudienceRule.objects.count()
    audiences = PageAudienceRule.objects.values("audience").distinct().count()
    if rules < 1000:
        sys.exit(f"{rules} audience rules here: run this against the search benchmark's database (see above).")
    print(f"{rules:,} page audience rules, {audiences} distinct audiences; as {args.user}", flush=True)

    client = Client()
    client.force_login(get_user_model().objects.get(username=args.user))
    started = time.perf_counter()
    for _, url, _ in PAGES:
        timed_get(client, url)
    print(f"first requests of the process (reading the rules, warming up): {time.perf_counter() - started:.1f} s")

    rng = random.Random(2026)
    for label, url, target in PAGES:
        measure(label, [client], url, args.runs, target, rng, baseline_url=BASELINE)
    # What saving a page, or an audience rule, does in any process.
    measure(
        "dashboard after a page is saved",
        [client],
        "/dashboard/",
        args.runs,
        None,
        rng,
        baseline_url=BASELINE,
        before=configuration_changed,
    )
    measure(
        "dashboard after a rule changes",
        [client],
        "/dashboard/",
        max(args.runs // 4, 3),
        None,
        rng,
        baseline_url=BASELINE,
        before=partial(configuration_changed, scope=RULES_SCOPE),
    )


if __name__ == "__main__":
    main()
