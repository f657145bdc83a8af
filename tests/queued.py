"""The tasks a block queued on commit, by name (from the callbacks that
``django_capture_on_commit_callbacks`` captured)."""

#: queued by every save of a deal registration (analytics' daily rollup of its days)
DEAL_ROLLUP_REFRESH = "analytics.tasks.refresh_deal_days"


def queued_tasks(callbacks, *, besides=(DEAL_ROLLUP_REFRESH,)) -> list[str]:
    """Names of the Celery tasks queued by ``callbacks`` (``delay_on_commit``),
    in order, leaving out ``besides``; any other callback by its repr."""
    names = []
    for callback in callbacks:
        task = getattr(getattr(callback, "func", None), "__self__", None)
        name = getattr(task, "name", None) or repr(callback)
        if name not in besides:
            names.append(name)
    return names
