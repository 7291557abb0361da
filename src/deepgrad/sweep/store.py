"""ResultStore: one SQLite file with a row per finished cell, and a lock against a second sweep.

Two sweeps on one file are refused: the store takes `RESULTS.db.lock` (created exclusively,
holding the owner's pid) and a second sweep fails with an error naming the owner, unless that
process is gone. `summarize` gives mean, sd and a 95% t interval over seeds for each setting.
"""

import json
import math
import os
import sqlite3
from pathlib import Path

import numpy as np
from scipy import stats

SCHEMA = """CREATE TABLE IF NOT EXISTS cells (
    key TEXT PRIMARY KEY, target TEXT, params TEXT, seed INTEGER, status TEXT, metrics TEXT,
    seconds REAL, error TEXT, version TEXT, finished REAL)"""


def cell_key(target, params, seed):
    """The identity of a cell: its target, parameters and seed."""
    return json.dumps([target, params, seed], sort_keys=True)


class ResultStore:
    """The results of one sweep file; `with ResultStore(path, lock=True)` holds the file's lock."""

    def __init__(self, path, lock=False):
        self.path, self.lock = Path(path), lock
        self.db = sqlite3.connect(self.path)
        self.db.execute(SCHEMA)
        self.db.commit()

    def __enter__(self):
        if self.lock:
            self._acquire()
        return self

    def __exit__(self, *exc):
        if self.lock:
            Path(f"{self.path}.lock").unlink(missing_ok=True)
        self.db.close()

    def _acquire(self):
        lock = Path(f"{self.path}.lock")
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            pid = int(lock.read_text() or 0)
            if _alive(pid):
                self.db.close()
                raise RuntimeError(f"{self.path} is in use by another sweep (pid {pid}); wait for "
                                   f"it or use another results file") from None
            lock.unlink()
            return self._acquire()
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)

    def finished(self):
        """Keys of the cells that completed (failed cells are run again on resume)."""
        return {row[0] for row in self.db.execute("SELECT key FROM cells WHERE status = 'ok'")}

    def put(self, target, params, seed, outcome, version):
        """Store one cell's outcome (a dict: status, metrics, seconds, error) at once."""
        self.db.execute("INSERT OR REPLACE INTO cells VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
                        "julianday('now'))",
                        (cell_key(target, params, seed), target, json.dumps(params, sort_keys=True),
                         seed, outcome["status"], json.dumps(outcome.get("metrics", {})),
                         outcome.get("seconds"), outcome.get("error"), version))
        self.db.commit()

    def rows(self):
        """Every stored cell as a dict."""
        out = []
        for target, params, seed, status, metrics, seconds, error, version in self.db.execute(
                "SELECT target, params, seed, status, metrics, seconds, error, version FROM cells "
                "ORDER BY params, seed"):
            out.append({"target": target, "params": json.loads(params), "seed": seed,
                        "status": status, "metrics": json.loads(metrics), "seconds": seconds,
                        "error": error, "version": version})
        return out


def _alive(pid):
    try:
        os.kill(pid, 0)
    except (OSError, ValueError):
        return False
    return pid > 0


def summarize(rows):
    """[(params, metric, n, mean, sd, low, high)]: over seeds of the finished cells of each setting."""
    groups = {}
    for row in rows:
        if row["status"] != "ok":
            continue
        for metric, value in row["metrics"].items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                key = (json.dumps(row["params"], sort_keys=True), metric)
                groups.setdefault(key, []).append(float(value))
    table = []
    for (params, metric), values in sorted(groups.items()):
        v = np.array(values)
        sd = float(v.std(ddof=1)) if len(v) > 1 else math.nan
        half = float(stats.t.ppf(0.975, len(v) - 1) * sd / math.sqrt(len(v))) if len(v) > 1 \
            else math.nan
        table.append((json.loads(params), metric, len(v), float(v.mean()), sd,
                      float(v.mean()) - half, float(v.mean()) + half))
    return table
