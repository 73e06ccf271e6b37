#!/usr/bin/env python3
"""Database faults never hang a sweep: (a) the database's file system fills up mid-sweep (a
small tmpfs, filled by a filler file once some runs are done): `mpirun -np 3` exits 1 within
30 s, stderr names the database and "full" (once), the file passes integrity_check, the runs done
before stay byte-identical, and after the filler is removed a relaunch finishes every run
exactly once. (b) Another process holds the write lock (BEGIN IMMEDIATE) mid-sweep: the job
waits with backoff, then exits 1 within 30 s naming the database and "locked"; after the lock
is released a relaunch finishes exactly once. (c) SIGTERM to mpirun (c1), or to the master
process itself (c2), while the master waits on that lock: the job ends promptly (75, or
mpirun's own 1), no process of its session is left, and a relaunch finishes exactly once.

usage: test_db_faults.py SYMSWEEP_BINARY [--mpiexec mpirun] [--preflags --oversubscribe]
"""
import argparse
import os
import signal
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweeplib import (  # noqa: E402
    run_part,
    Checks, DonePoller, Started, check_exactly_once, cleanup, configure, environment, fill,
    mpi, require, rows, tmpfs, wait_until, workdir)

# 16 runs of about a second each; a log every 500 steps makes each result write tens of KB.
SPEC = """
[sweep]
name = "faults"
seeds = 2
max_attempts = 20
checkpoint_every_seconds = 0.5

[grid]
group = ["cyclic:5", "cyclic:7"]
width = [48, 64]
data_fraction = [0.5, 0.7]
augment = ["none"]

[train]
steps = 100000
log_every = 500
precision = "f64"
"""
GRID = 2 * 2 * 2 * 2
DONE_COLUMNS = ("config_hash, error, train_loss, test_loss, train_acc, test_acc, full_loss, "
                "binary_gap, effective_dim, drift_q, steps_done, finished_at")


def error_lines(err, db, cause):
    """The lines of stderr that report the database error (warnings aside)."""
    return [x for x in err.splitlines() if db in x and cause in x and
            not x.startswith("warning")]


def done_count(db):
    try:
        return rows(db, "SELECT count(*) FROM runs WHERE status = 'done'")[0][0]
    except sqlite3.Error:
        return 0


def snapshot_unchanged(check, db, poller, what):
    now = {r[0]: r for r in rows(db, f"SELECT id, status, {DONE_COLUMNS} FROM runs "
                                     "WHERE status = 'done'")}
    changed = [rid for rid, r in poller.seen.items() if now.get(rid) != r]
    check(not changed, f"{what}: runs done before changed or left done: {changed[:5]}")
    check(not poller.violations, f"{what}: poller saw {poller.violations[:3]}")


def relaunch_finishes(check, a, env, tmp, spec, db, expected, what, extra=()):
    poller = DonePoller(db, DONE_COLUMNS)
    poller.seen = {r[0]: r for r in rows(db, f"SELECT id, status, {DONE_COLUMNS} FROM runs "
                                             "WHERE status = 'done'")}
    poller.start()
    t0 = time.monotonic()
    job = Started(mpi(3, a.binary, "run", spec, "--db", db, *extra), env, tmp, what + "-relaunch")
    rc = job.wait(180)
    poller.stop()
    print(f"{what}: relaunch exit {rc} after {time.monotonic() - t0:.1f} s", flush=True)
    check(rc == 0, f"{what}: relaunch exit {rc}: {job.err()[-600:]}")
    check(not poller.violations, f"{what}: relaunch changed done rows: {poller.violations[:3]}")
    check_exactly_once(check, db, expected, what)


def part_disk_full(check, a, env, tmp, spec):
    mnt = os.path.join(tmp, "small")
    ckpt = os.path.join(tmp, "ckpt-full")  # on the normal disk
    with tmpfs(mnt, "16m"):
        check(os.path.ismount(mnt), "(a) the tmpfs is mounted")
        db = os.path.join(mnt, "full.db")
        poller = DonePoller(db, DONE_COLUMNS)
        poller.start()
        job = Started(mpi(3, a.binary, "run", spec, "--db", db, "--checkpoint-dir", ckpt), env,
                      tmp, "full")
        ok = wait_until(lambda: job.poll() is not None or done_count(db) >= 2, 120)
        require(check, ok and job.poll() is None,
                f"(a) the sweep did not get to 2 done runs and keep running: exit {job.poll()}: "
                f"{job.err()[-400:]}")
        filler = fill(mnt, leave=32768)
        t_fill = time.monotonic()
        free = os.statvfs(mnt).f_bavail * os.statvfs(mnt).f_frsize
        check(free <= 32768 + 8192, f"(a) the tmpfs is not full after filling: {free} bytes free")
        print(f"(a) filled at {done_count(db)} done runs, {free} bytes free", flush=True)
        rc = job.wait(60)
        took = time.monotonic() - t_fill
        poller.stop()
        err = job.err()
        print(f"(a) exit {rc} {took:.1f} s after the fill; stderr tail: {err[-300:]!r}",
              flush=True)
        check(rc == 1 and took < 30, f"(a) exit {rc} after {took:.1f} s (expected 1 within 30 s)")
        check(db in err and "full" in err,
              f"(a) stderr does not name {db} and 'full': {err[-600:]}")
        check(len(error_lines(err, db, "full")) == 1,
              f"(a) the error is not printed exactly once: {error_lines(err, db, 'full')}")
        check(done_count(db) < GRID, "(a) the sweep finished before the disk filled (no fault)")
        check(rc is None or wait_until(lambda: not job.leftovers(), 3),
              f"(a) processes of the failed job left behind: {job.leftovers()}")
        job.kill()
        check(rows(db, "PRAGMA integrity_check")[0][0] == "ok", "(a) integrity after the fault")
        snapshot_unchanged(check, db, poller, "(a)")
        expected = [h for (h,) in rows(db, "SELECT config_hash FROM runs")]
        check(len(expected) == GRID, f"(a) {len(expected)} runs registered, expected {GRID}")
        os.remove(filler)
        relaunch_finishes(check, a, env, tmp, spec, db, expected, "(a)",
                          ("--checkpoint-dir", ckpt))


def hold_lock(db):
    con = sqlite3.connect(db, timeout=10, isolation_level=None)
    con.execute("BEGIN IMMEDIATE")
    return con


def lock_blocks_writers(db):
    """True when another writer really gets 'database is locked'."""
    other = sqlite3.connect(db, timeout=0.2, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as e:
        return "locked" in str(e)
    finally:
        other.close()


def part_lock(check, a, env, tmp, spec):
    db = os.path.join(tmp, "locked.db")
    poller = DonePoller(db, DONE_COLUMNS)
    poller.start()
    job = Started(mpi(3, a.binary, "run", spec, "--db", db), env, tmp, "locked")
    ok = wait_until(lambda: job.poll() is not None or done_count(db) >= 1, 120)
    require(check, ok and job.poll() is None,
            f"(b) no run done before the lock: exit {job.poll()}")
    con = hold_lock(db)
    try:
        t_lock = time.monotonic()
        check(lock_blocks_writers(db), "(b) BEGIN IMMEDIATE does not block another writer")
        rc = job.wait(45)
        took = time.monotonic() - t_lock
        poller.stop()
        err = job.err()
        print(f"(b) exit {rc} {took:.1f} s after the lock; stderr tail: {err[-300:]!r}",
              flush=True)
        check(rc == 1 and took < 30, f"(b) exit {rc} after {took:.1f} s (expected 1 within 30 s)")
        check(rc is None or took > 5, f"(b) gave up after {took:.1f} s: no wait for the lock")
        check(db in err and "locked" in err,
              f"(b) stderr does not name {db} and 'locked': {err[-600:]}")
        check(len(error_lines(err, db, "locked")) == 1,
              f"(b) the error is not printed exactly once: {error_lines(err, db, 'locked')}")
        check(rc is None or wait_until(lambda: not job.leftovers(), 3),
              f"(b) processes of the failed job left behind: {job.leftovers()}")
        job.kill()
    finally:
        con.execute("ROLLBACK")
        con.close()
    check(rows(db, "PRAGMA integrity_check")[0][0] == "ok", "(b) integrity after the lock")
    snapshot_unchanged(check, db, poller, "(b)")
    expected = [h for (h,) in rows(db, "SELECT config_hash FROM runs")]
    check(len(expected) == GRID, f"(b) {len(expected)} runs registered, expected {GRID}")
    relaunch_finishes(check, a, env, tmp, spec, db, expected, "(b)")


def part_sigterm_on_lock(check, a, env, tmp, spec):
    # c1: SIGTERM to mpirun (as a shell or Slurm would send it); c2: SIGTERM to the master
    # process itself, which then must leave the lock wait by itself (mpirun cannot help).
    for sub, to_master in (("c1", False), ("c2", True)):
        db = os.path.join(tmp, f"sigterm-{sub}.db")
        job = Started(mpi(3, a.binary, "run", spec, "--db", db), env, tmp, "sigterm-" + sub)
        ok = wait_until(lambda: job.poll() is not None or done_count(db) >= 1, 120)
        require(check, ok and job.poll() is None,
                f"({sub}) no run done before the lock: exit {job.poll()}")
        ranks = job.wait_ranks(a.binary, 3)
        require(check, len(ranks) == 3, f"({sub}) found ranks {ranks}")
        con = hold_lock(db)
        try:
            check(lock_blocks_writers(db), f"({sub}) BEGIN IMMEDIATE does not block a writer")
            # Runs take about a second: within 3 s a team has finished and the master waits to
            # write its result.
            time.sleep(3)
            check(job.poll() is None, f"({sub}) the job ended before SIGTERM: exit {job.poll()}")
            t_sig = time.monotonic()
            os.kill(ranks[0] if to_master else job.pid, signal.SIGTERM)
            rc = job.wait(30)
            took = time.monotonic() - t_sig
            err = job.err()
            print(f"({sub}) exit {rc} {took:.1f} s after SIGTERM to "
                  f"{'the master' if to_master else 'mpirun'}; stderr tail: {err[-300:]!r}",
                  flush=True)
            check(rc in (75, 1) and took < 15,
                  f"({sub}) exit {rc} after {took:.1f} s (expected 75 or 1 within 15 s)")
            # The master's lock wait would end by itself ~10 s after it began (and then exit 1):
            # a stop within 7 s of the signal is the signal's doing.
            check(rc is not None and took < 7, f"({sub}) SIGTERM took {took:.1f} s to stop the job")
            left = wait_until(lambda: not job.leftovers(), 3)
            check(left, f"({sub}) processes of the job's session left: {job.leftovers()}")
            job.kill()
        finally:
            con.execute("ROLLBACK")
            con.close()
        check(rows(db, "PRAGMA integrity_check")[0][0] == "ok", f"({sub}) integrity")
        expected = [h for (h,) in rows(db, "SELECT config_hash FROM runs")]
        relaunch_finishes(check, a, env, tmp, spec, db, expected, f"({sub})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--mpiexec", default="mpirun")
    ap.add_argument("--preflags", default="--oversubscribe")
    ap.add_argument("--only", default="abc", help="parts to run, e.g. 'a' or 'bc'")
    a = ap.parse_args()
    configure(a.mpiexec, a.preflags)
    check, env = Checks(), environment()
    try:
        with workdir() as tmp:
            spec = os.path.join(tmp, "faults.toml")
            with open(spec, "w") as f:
                f.write(SPEC)
            for part, fn in (("a", part_disk_full), ("b", part_lock),
                             ("c", part_sigterm_on_lock)):
                if part in a.only:
                    run_part(check, f"({part})", fn, check, a, env, tmp, spec)
    finally:
        cleanup()
    check.finish()


if __name__ == "__main__":
    main()
