"""Atomic file writes: a reader (or a crash) sees the old file or the new one, never half of one.

The bytes go to a temporary file in the same directory, are flushed and fsynced, the file is
renamed over the target with os.replace (atomic on POSIX and Windows), and the directory is fsynced
so the rename itself survives a power cut.
"""

import contextlib
import os
import tempfile
from pathlib import Path


@contextlib.contextmanager
def atomic_write(path):
    """Context manager yielding a binary file; on a clean exit its contents replace `path`
    atomically, on an exception `path` is left untouched."""
    path = Path(path)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                             suffix=".tmp")
    try:
        with open(descriptor, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    fsync_directory(path.parent)


def write_bytes(path, data):
    """Write `data` (bytes) to `path` atomically."""
    with atomic_write(path) as f:
        f.write(data)


def write_text(path, text):
    """Write `text` to `path` atomically (UTF-8)."""
    write_bytes(path, text.encode())


def fsync_directory(directory):
    """Make a rename or unlink in `directory` durable; a no-op where directories cannot be
    opened (Windows)."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except (PermissionError, IsADirectoryError):
        return
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
