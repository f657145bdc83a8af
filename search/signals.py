from django.dispatch import Signal

#: a partner's query was written to the search log; receivers get ``entry``
#: (the ``SearchQueryLog`` row) and ``user_id``, the person who searched (None
#: when unknown). The person is handed over, not stored with the query text,
#: so the log stays a record of what partners look for, not of who typed what
#: (analytics records the search on its UTC day only, so the times cannot be matched).
query_logged = Signal()
