"""Business rules of market development funds, by subdomain:
``allocations`` (budget to organizations), ``requests`` (submission,
pre-approval), ``claims`` (proof, review, payment, attribution), ``period``
(expiry and reminders), on top of ``ledger`` (the locked ledger and the
audit trail)."""
