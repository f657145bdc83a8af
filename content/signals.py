from django.dispatch import Signal

#: a page's effective audience changed (its own rule, or it moved under
#: another section); receivers get ``page`` and must treat its whole subtree
#: as changed
audience_changed = Signal()

#: pages whose searchable figures changed without a publish (e.g. download
#: popularity); receivers get ``page_ids``
pages_changed = Signal()
