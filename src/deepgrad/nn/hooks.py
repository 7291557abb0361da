"""RemovableHandle: what register_forward_hook returns, so a hook can be taken off (as torch's)."""

import itertools

_ids = itertools.count()


class RemovableHandle:
    """Holds one hook in a module's table; remove() takes it out (twice is harmless)."""

    def __init__(self, table, hook):
        self.table, self.id = table, next(_ids)
        table[self.id] = hook

    def remove(self):
        self.table.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
