"""Shared helpers of the sweep integration tests: launching symsweep under mpirun, reading the
results database read-only, and a reader thread that polls it during a sweep."""
import os
import sqlite3
import subprocess
import tempfile
import threading
import time

MPIEXEC = ["mpirun", "--oversubscribe"]


def write(tmp, name, text):
    """Writes `text` to tmp/name and returns the path."""
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def mpi_arguments(*extra):
    """The command line of an MPI test script (BINARY [--mpiexec M] [--preflags F], and any
    `extra` (name, kwargs) options), with MPIEXEC configured from it."""
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--mpiexec", default="mpirun")
    ap.add_argument("--preflags", default="--oversubscribe")
    for name, kwargs in extra:
        ap.add_argument(name, **kwargs)
    a = ap.parse_args()
    configure(a.mpiexec, a.preflags)
    return a


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


def run_cli(*cmd, timeout=300):
    """Runs one command (arguments made strings) to its end, capturing its text output."""
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                          timeout=timeout)


# ---------------------------------------------------------------------------------------------
# Helpers of the cluster-life tests (test_db_faults.py, test_jobs.py, test_exit_codes.py):
# processes started in sessions of their own and killed only by their ids, small tmpfs mounts,
# a poller of finished rows, and checks of the attempts table.

import contextlib  # noqa: E402
import errno  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import signal  # noqa: E402
from datetime import datetime  # noqa: E402

STARTED = []  # every Started of this test script, so that cleanup() can end them all


def proc_stat(pid):
    """(comm, state, ppid, session) of a process, or None when it does not exist."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
    except OSError:
        return None
    comm = s[s.index("(") + 1:s.rindex(")")]
    fields = s[s.rindex(")") + 2:].split()
    return comm, fields[0], int(fields[1]), int(fields[3])


def all_pids():
    return [int(d) for d in os.listdir("/proc") if d.isdigit()]


def session_pids(sid):
    """Living (not zombie) processes of session `sid`."""
    out = []
    for pid in all_pids():
        st = proc_stat(pid)
        if st is not None and st[3] == sid and st[1] != "Z":
            out.append(pid)
    return out


def descendants(root):
    children = {}
    for pid in all_pids():
        st = proc_stat(pid)
        if st is not None:
            children.setdefault(st[2], []).append(pid)
    out, todo = [], [root]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def proc_env(pid):
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            items = f.read().split(b"\0")
    except OSError:
        return {}
    return dict(i.decode(errors="replace").split("=", 1) for i in items if b"=" in i)


def rank_pids(root, binary):
    """{rank: pid} of the `binary` processes below `root` (mpirun, the --np launcher, unshare),
    by OMPI_COMM_WORLD_RANK in their environment."""
    exe = os.path.realpath(binary)
    out = {}
    for pid in descendants(root):
        try:
            if os.path.realpath(os.readlink(f"/proc/{pid}/exe")) != exe:
                continue
        except OSError:
            continue
        rank = proc_env(pid).get("OMPI_COMM_WORLD_RANK")
        if rank is not None:
            out[int(rank)] = pid
    return out


def wait_until(cond, timeout, interval=0.05):
    """Polls cond() until it is truthy (returns its value) or the timeout passes (None)."""
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > deadline:
            return None
        time.sleep(interval)


def kill_session(sid, sig=signal.SIGKILL):
    """Sends sig to every process of session sid (one started by this script), by pid, until
    none is left (SIGKILL) or once (other signals)."""
    for _ in range(100 if sig == signal.SIGKILL else 1):
        pids = session_pids(sid)
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        time.sleep(0.05)


class Started:
    """A command started in a session of its own, stderr (and stdout) to files in `logdir`."""

    def __init__(self, argv, env, logdir, name):
        self.argv, self.name = argv, name
        self.err_path = os.path.join(logdir, name + ".err")
        self.out_path = os.path.join(logdir, name + ".out")
        with open(self.err_path, "wb") as e, open(self.out_path, "wb") as o:
            self.p = subprocess.Popen(argv, stdout=o, stderr=e, stdin=subprocess.DEVNULL,
                                      start_new_session=True, env=env)
        self.pid, self.t0, self.t_end = self.p.pid, time.monotonic(), None
        STARTED.append(self)

    def poll(self):
        rc = self.p.poll()
        if rc is not None and self.t_end is None:
            self.t_end = time.monotonic()
        return rc

    def wait(self, timeout):
        """The exit code, or None if still running after `timeout` seconds."""
        try:
            self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        return self.poll()

    def err(self):
        with open(self.err_path, errors="replace") as f:
            return f.read()

    def out(self):
        with open(self.out_path, errors="replace") as f:
            return f.read()

    def ranks(self, binary):
        return rank_pids(self.pid, binary)

    def wait_ranks(self, binary, n, timeout=30):
        return wait_until(lambda: (lambda r: r if len(r) >= n else None)(self.ranks(binary)),
                          timeout) or {}

    def kill(self, sig=signal.SIGKILL):
        kill_session(self.pid, sig)
        if sig == signal.SIGKILL:
            try:
                self.p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass

    def leftovers(self):
        return session_pids(self.pid)


def cleanup():
    """Kills every session this script started (in a finally)."""
    for s in STARTED:
        s.kill(signal.SIGKILL)


def mpi(np_, binary, *args):
    return MPIEXEC + ["-np", str(np_), binary] + list(args)


def quick(argv, env, timeout=120):
    """Runs a short command in its own session: (exit code, stdout, stderr)."""
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL, start_new_session=True, env=env)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_session(p.pid)
        out, err = p.communicate()
        return None, out.decode(errors="replace"), err.decode(errors="replace")
    return p.returncode, out.decode(errors="replace"), err.decode(errors="replace")


@contextlib.contextmanager
def tmpfs(path, size):
    """A tmpfs of `size` (e.g. "4m") mounted at path; unmounted (lazily if busy) on exit."""
    os.makedirs(path, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", path], check=True)
    try:
        yield path
    finally:
        for _ in range(40):
            if subprocess.run(["umount", path], stderr=subprocess.DEVNULL).returncode == 0:
                break
            time.sleep(0.25)
        else:
            subprocess.run(["umount", "-l", path])


def fill(directory, leave=0, name="filler"):
    """Writes a filler file until the file system is full (ENOSPC), then frees `leave` bytes of
    it. Returns the filler's path."""
    path = os.path.join(directory, name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        for size in (1 << 20, 65536, 4096, 512):  # big chunks first, then the last bytes
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError as e:
                if e.errno != errno.ENOSPC:
                    raise
    finally:
        os.close(fd)
    if leave:
        os.truncate(path, max(0, os.path.getsize(path) - leave))
    return path


def is_full(directory):
    """True when writing 4 KiB more to the file system fails with ENOSPC."""
    probe = os.path.join(directory, ".probe")
    try:
        with open(probe, "wb") as f:
            f.write(b"x" * 4096)
            f.flush()
            os.fsync(f.fileno())
        return False
    except OSError as e:
        return e.errno == errno.ENOSPC
    finally:
        with contextlib.suppress(OSError):
            os.remove(probe)


def table_exists(db, name):
    try:
        return bool(rows(db, f"SELECT 1 FROM sqlite_master WHERE name = '{name}'"))
    except sqlite3.Error:
        return False


class DonePoller(threading.Thread):
    """Reads `SELECT id, status, COLUMNS FROM runs WHERE status = 'done'` every `interval` s
    during a sweep and records every done row that later changed or left `done`."""

    def __init__(self, db, columns, interval=0.05):
        super().__init__(daemon=True)
        self.db, self.columns, self.interval = db, columns, interval
        self.seen, self.violations, self.errors, self.reads = {}, [], [], 0
        self.halt = False

    def run(self):
        while not self.halt:
            self.poll_once()
            time.sleep(self.interval)

    def poll_once(self):
        if not os.path.exists(self.db):
            return
        try:
            now = {r[0]: r for r in rows(
                self.db, f"SELECT id, status, {self.columns} FROM runs WHERE status = 'done'")}
        except sqlite3.Error as e:
            if "no such" not in str(e):
                self.errors.append(str(e))
            return
        self.reads += 1
        for rid, r in self.seen.items():
            if rid not in now:
                self.violations.append(f"run {rid} left done")
            elif now[rid] != r:
                self.violations.append(f"run {rid} changed: {r} -> {now[rid]}")
        self.seen.update(now)

    def stop(self):
        self.halt = True
        self.join()
        self.poll_once()


ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def iso_seconds(s):
    """Unix seconds of an ISO 8601 UTC time ("2026-12-01T21:00:00.123Z")."""
    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def attempt_overlaps(db):
    """Pairs of attempts of one run whose [started_at, stopped_at] intervals overlap."""
    by_run = {}
    for r in rows(db, "SELECT run_id, attempt, started_at, stopped_at, outcome, job_id "
                      "FROM attempts"):
        by_run.setdefault(r[0], []).append(r)
    bad = []
    for rid, att in by_run.items():
        iv = []
        for a in att:
            if a[2] is None or a[3] is None:
                bad.append(("missing time", a))
                continue
            iv.append((iso_seconds(a[2]), iso_seconds(a[3]), a))
        iv.sort()
        for i in range(len(iv)):
            for j in range(i + 1, len(iv)):
                if iv[j][0] < iv[i][1] and iv[i][0] < iv[j][1]:
                    bad.append((iv[i][2], iv[j][2]))
    return bad


def bad_time_formats(db):
    return [r for r in rows(db, "SELECT started_at, stopped_at FROM attempts")
            if not all(t is not None and ISO_MS.match(t) for t in r)]


def check_exactly_once(check, db, expected_hashes, what):
    """Every expected grid point exactly once in runs, all done, one `done` attempt each."""
    got = [h for (h,) in rows(db, "SELECT config_hash FROM runs")]
    check(len(got) == len(set(got)) and set(got) == set(expected_hashes),
          f"{what}: runs rows {len(got)} ({len(set(got))} distinct), expected "
          f"{len(set(expected_hashes))} grid points")
    not_done = rows(db, "SELECT id, status, error FROM runs WHERE status != 'done'")
    check(not not_done, f"{what}: runs not done: {not_done[:5]}")
    per_run = dict(rows(db, "SELECT run_id, count(*) FROM attempts WHERE outcome = 'done' "
                            "GROUP BY run_id"))
    ids = [i for (i,) in rows(db, "SELECT id FROM runs")]
    wrong = {i: per_run.get(i, 0) for i in ids if per_run.get(i, 0) != 1}
    check(not wrong, f"{what}: runs without exactly one done attempt (run: count): "
                     f"{dict(list(wrong.items())[:6])}")
    check(rows(db, "PRAGMA integrity_check")[0][0] == "ok", f"{what}: integrity_check")


def json_find(obj, key):
    """Every value of `key` anywhere in a JSON document."""
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == key:
                out.append(v)
            out.extend(json_find(v, key))
    elif isinstance(obj, list):
        for v in obj:
            out.extend(json_find(v, key))
    return out


def status_json(binary, db, env):
    rc, out, err = quick([binary, "status", "--db", db, "--json"], env, timeout=60)
    try:
        return rc, json.loads(out), err
    except ValueError:
        return rc, None, err + out


def jobs(db):
    """{id: (pid, state, exit_code)} of the jobs table."""
    if not table_exists(db, "jobs"):
        return {}
    return {r[0]: r[1:] for r in rows(db, "SELECT id, pid, state, exit_code FROM jobs")}


@contextlib.contextmanager
def workdir():
    """A temporary directory for the test's files; kept (and its path printed) when the
    environment sets SYMSWEEP_TEST_KEEP=1, to read the logs of every launch afterwards."""
    if os.environ.get("SYMSWEEP_TEST_KEEP") == "1":
        path = tempfile.mkdtemp(prefix="symsweep-test-")
        print(f"keeping {path}", flush=True)
        yield path
    else:
        with tempfile.TemporaryDirectory() as path:
            yield path


class Abort(Exception):
    """A part of a test cannot go on (a prerequisite failed and was recorded as a failure)."""


def require(check, cond, what):
    """A check whose failure also ends the current part (the rest would only wait in vain)."""
    check(cond, what)
    if not cond:
        raise Abort(what)
    return cond


def run_part(check, label, fn, *args):
    """Runs one part of a test script: an Abort ends just that part, any other exception is one
    failure and the rest goes on; the part's processes are cleaned up and its time printed."""
    t0 = time.monotonic()
    try:
        fn(*args)
    except Abort:
        pass
    except Exception as e:  # a part that breaks is a failure, the rest goes on
        check(False, f"{label} raised {type(e).__name__}: {e}")
    finally:
        cleanup()
    print(f"{label} took {time.monotonic() - t0:.1f} s", flush=True)
