"""Who is told when a deal's outcome (won or lost, amount, close date) changes.

Incentives compute accruals from won deals, but deals sits below incentives
and never imports it: higher apps register a listener here in their
AppConfig.ready, and the deal services call :func:`deal_outcome_changed`
explicitly inside their transaction (listeners queue their work on commit).

The call carries the ``DealEvent`` that recorded the change: its ``before``
and ``after`` say what moved (a close date corrected from one period into
another, won turned lost) and its actor, time and note are the correction a
listener's own records refer to.
"""

from collections.abc import Callable

DealOutcomeListener = Callable[..., None]
_listeners: list[DealOutcomeListener] = []


def register_deal_outcome_listener(listener: DealOutcomeListener) -> None:
    """``listener(deal=deal, event=event)`` is called whenever the deal's outcome changes."""
    if listener not in _listeners:
        _listeners.append(listener)


def deal_outcome_changed(*, deal, event) -> None:
    """Tell every listener that ``event`` (a ``DealEvent``) changed ``deal``'s outcome."""
    for listener in _listeners:
        listener(deal=deal, event=event)
