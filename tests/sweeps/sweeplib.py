"""Shared helpers of the sweep integration tests: launching symsweep under mpirun, reading the
results database read-only, and a reader thread that polls it during a sweep."""
import os
import sqlite3
import subprocess
import threading
import time

MPIEXEC = ["mpirun", "--oversubscribe"]


def configure(mpiexec, preflags):
    MPIEXEC[:] = [mpiexec] + preflags.split()


def environment(**extra):
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OPENBLAS_NUM_THREADS="1")
    env.update(extra)
    return env


def launch(binary, spec, db, np_, env, stderr=subprocess.PIPE):
    """Starts `symsweep run` under mpirun in its own process group (so it can be killed whole)."""
    return subprocess.Popen(MPIEXEC + ["-np", str(np_), binary, "run", spec, "--db", db],
                            stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True,
                            env=env)


def rows(db, sql):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


class Reader(threading.Thread):
    """Polls the database read-only during a launch; records any error and the slowest read."""

    def __init__(self, db):
        super().__init__(daemon=True)
        self.db, self.stop, self.errors, self.slowest, self.reads = db, False, [], 0.0, 0

    def run(self):
        while not self.stop:
            if os.path.exists(self.db):
                t0 = time.monotonic()
                try:
                    rows(self.db, "SELECT status, count(*) FROM runs GROUP BY status")
                    rows(self.db, "SELECT count(*) FROM metrics")
                    self.reads += 1
                except sqlite3.Error as e:  # "no such table" before the schema exists is fine
                    if "no such table" not in str(e):
                        self.errors.append(str(e))
                self.slowest = max(self.slowest, time.monotonic() - t0)
            time.sleep(0.01)


class Checks:
    """Collects failures and prints the closing 'N passed, N failed' line."""

    def __init__(self):
        self.passed, self.failed = 0, []

    def __call__(self, cond, what):
        if cond:
            self.passed += 1
        else:
            self.failed.append(what)
            print("FAIL:", what, flush=True)

    def finish(self):
        print(f"{self.passed} passed, {len(self.failed)} failed")
        raise SystemExit(1 if self.failed else 0)
