"""Graceful Ctrl-C: the first SIGINT asks the training loop to stop after the current step."""

import signal
import threading


class StopOnInterrupt:
    """Context manager. Inside it, the first Ctrl-C only sets `requested` (the loop finishes its
    step and returns what it has); a second Ctrl-C raises KeyboardInterrupt as usual. Outside the
    main thread signals cannot be caught, so it does nothing there."""

    def __enter__(self):
        self.requested = False
        self._previous = None
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc_info):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        return False
