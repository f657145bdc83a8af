"""gunicorn's settings for the portal, read by gunicorn from the directory it
starts in (the repository root: README "Production", bench/search.py).

One synchronous worker per core unless ``WEB_CONCURRENCY`` says otherwise
(gunicorn's own default is one worker). More workers than cores did not
serve more requests on a 2-core machine and made each request slower: a
request then mostly runs in a process whose memory is no longer in the
core's caches (a search's own time, outside Elasticsearch, 7.1 ms median
with four workers against 5.2 with one and 6.1-6.6 with two; 8 clients
served as many requests per second with two workers as with four:
bench/README.md, fourteenth session).
"""

import os

workers = int(os.environ.get("WEB_CONCURRENCY") or os.cpu_count() or 1)
