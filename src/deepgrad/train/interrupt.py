"""Graceful stops: the first Ctrl-C (SIGINT) or SIGTERM asks the training loop to stop after the
current step; while a run is being saved, both are held back until the files are complete."""

import signal
import threading

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class _Handlers:
    """Installs `handle` for SIGINT and SIGTERM inside a `with` block and restores the previous
    handlers after it. Outside the main thread signals cannot be caught, so it does nothing there."""

    def __enter__(self):
        self.requested, self.signal_name, self._previous = False, None, {}
        if threading.current_thread() is threading.main_thread():
            self._previous = {number: signal.signal(number, self._handle) for number in SIGNALS}
        return self

    def _handle(self, signum, frame):
        self.requested, self.signal_name = True, signal.Signals(signum).name

    def __exit__(self, *exc_info):
        for number, previous in self._previous.items():
            signal.signal(number, previous)
        return False


class StopOnInterrupt(_Handlers):
    """Inside it, the first SIGINT or SIGTERM only sets `requested` (and `signal_name`): the loop
    finishes its step and returns what it has. A second one raises KeyboardInterrupt as usual."""

    def _handle(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        super()._handle(signum, frame)


class DeferInterrupts(_Handlers):
    """Inside it, SIGINT and SIGTERM only set `requested`, however many arrive, so the block (a
    save) always completes; the caller acts on `requested` afterwards."""
