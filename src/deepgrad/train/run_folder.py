"""RunFolder: the folder a `deepgrad train` run writes, claimed by one run at a time.

The lock is `.lock` holding the owner's pid, held with flock(2) for as long as the run lives: the
kernel drops it when the process dies, so a lock file left by a killed run is stale and the next run
takes it over (a stale lock from a dead pid is recovered). POSIX only, as `fcntl`. A folder that
already holds a run's files is refused unless `overwrite` is set; the new run's files then replace
the old ones as they are saved, so a run that fails before saving leaves the old one intact.
"""

import contextlib
import fcntl
import os
from pathlib import Path

LOCK_NAME = ".lock"
RUN_FILES = ("model.safetensors", "metrics.json", "learning_curve.png")


class RunFolderError(ValueError):
    """The run folder cannot be used: in use by another run, or holding a run not to overwrite."""


class RunFolder:
    """Context manager: creates `path` if needed, locks it, checks it holds no earlier run (unless
    `overwrite`); on exit unlocks it and removes it again if this run created it and left it empty.
    `recovered_pid` is the pid of a dead run whose stale lock was taken over, else None."""

    def __init__(self, path, overwrite=False):
        self.path, self.overwrite = Path(path), overwrite
        self.recovered_pid, self._descriptor, self._created = None, None, False

    def __enter__(self):
        if self.path.exists() and not self.path.is_dir():
            raise RunFolderError(f"--out {self.path} is a file, not a run folder")
        self._created = not self.path.exists()
        self.path.mkdir(parents=True, exist_ok=True)
        try:
            self._lock()
            earlier = [name for name in RUN_FILES if (self.path / name).exists()]
            if earlier and not self.overwrite:
                kind = "a finished run" if "metrics.json" in earlier else "an unfinished run"
                raise RunFolderError(
                    f"--out {self.path} already holds {kind} ({', '.join(earlier)}); give "
                    "--overwrite to replace it, or choose another --out")
        except BaseException:
            self.__exit__()
            raise
        return self

    def _lock(self):
        lock = self.path / LOCK_NAME
        while True:
            descriptor = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                owner = os.read(descriptor, 64).decode(errors="replace").strip() or "unknown"
                os.close(descriptor)
                raise RunFolderError(
                    f"--out {self.path} is in use by another deepgrad run (pid {owner}); wait for "
                    "it to finish, or choose another --out") from None
            with contextlib.suppress(FileNotFoundError):
                if os.fstat(descriptor).st_ino == os.stat(lock).st_ino:
                    break  # else the lock file was removed by its owner while we opened it
            os.close(descriptor)
        previous = os.read(descriptor, 64).decode(errors="replace").strip()
        self.recovered_pid = int(previous) if previous.isdigit() else None
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)
        os.fsync(descriptor)
        self._descriptor = descriptor

    def __exit__(self, *exc_info):
        if self._descriptor is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path / LOCK_NAME)
            os.close(self._descriptor)
            self._descriptor = None
        if self._created:
            with contextlib.suppress(OSError):
                self.path.rmdir()  # only succeeds when nothing was saved
        return False
