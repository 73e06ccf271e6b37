#!/usr/bin/env python3
"""Exit codes and what each leaves behind.

- SIGINT to one worker rank stops the whole sweep: every rank exits 75, mpirun exits 75, stderr
  says "stopped by SIGINT", the running runs are pending again (attempt `interrupted`), and a
  relaunch finishes them. The same with SIGINT to the built-in launcher (`run --np 3
  --mpiexec ...`). SIGINT to a plain mpirun (Open MPI turns it into SIGTERM and exits 1
  itself): the ranks still stop cleanly, mpirun's code is 1 or 75.
- A diverged run: exit 4, status `diverged`, error "diverged at step N: train_loss became
  inf|nan"; `--retry diverged` records an attempt `retried` and runs it again (exit 4 again).
- A checkpoint directory on a full file system: a warning, no run failed, exit 0.
- `--check` and `run` agree on how many runs are to run, in every state (fresh database,
  partly done, runs left running by a killed job, runs held by a live job, failed/diverged runs
  with and without --retry), and --check writes nothing.
- A changed spec under the same sweep name: exit 2 showing the old and new lines; comments and
  whitespace are no change; with --extend the new points are added and trained, and
  sweep_specs holds the new version.
- `status` after kill -9: the job shows as dead, with no ETA (while it ran: alive, an ETA).
- Exit code 3 for a database that cannot be used, 2 for usage errors.

usage: test_exit_codes.py SYMSWEEP_BINARY [--mpiexec mpirun] [--preflags --oversubscribe]
                          [--only signals,diverged,ckpt,check,spec,status,codes]
"""
import argparse
import os
import re
import shutil
import signal
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweeplib import (  # noqa: E402
    run_part, write,
    MPIEXEC, Checks, Started, check_exactly_once, cleanup, configure, environment, fill,
    is_full, json_find, mpi, quick, require, rows, status_json, table_exists, tmpfs, wait_until,
    workdir)

# 4 runs of 1-3 s each: long enough to be caught mid-flight, checkpointed every 0.5 s.
LONG = """
[sweep]
name = "codes"
seeds = 1
checkpoint_every_seconds = 0.5

[grid]
group = ["cyclic:5", "cyclic:7"]
width = [64]
data_fraction = [0.5, 0.7]

[train]
steps = 300000
log_every = 50000
precision = "f64"
"""
LONG_RUNS = 4

# Gradient descent with lr 1e6 diverges within a few steps; lr 0.05 does not.
DIVERGE = """
[sweep]
name = "diverge"
seeds = 1

[grid]
group = ["cyclic:5"]
width = [32]
data_fraction = [0.5]
lr = [0.05, 1e6]

[train]
optimizer = "gd"
steps = 3000
log_every = 500
precision = "f64"
"""

# The --check table: 8 runs of 0.5-2 s.
TABLE = """
[sweep]
name = "table"
seeds = 2
checkpoint_every_seconds = 0.5

[grid]
group = ["cyclic:5", "cyclic:7"]
width = [32, 64]
data_fraction = [0.5]

[train]
steps = 200000
log_every = 50000
precision = "f64"
"""
TABLE_RUNS = 8
# Two points of TABLE (cyclic:7, width 64, both seeds) as a sweep of their own, for a live job.
TABLE_SUB = TABLE.replace('name = "table"', 'name = "table-sub"').replace(
    'group = ["cyclic:5", "cyclic:7"]\nwidth = [32, 64]', 'group = ["cyclic:7"]\nwidth = [64]')
# Failed and diverged runs: a run lost once is failed (max_attempts = 1); lr 1e6 diverges.
FAILING = """
[sweep]
name = "failing"
seeds = 2
max_attempts = 1
checkpoint_every_seconds = 0.5

[grid]
group = ["cyclic:5"]
width = [32]
data_fraction = [0.5]
lr = [0.05, 1e6]

[train]
optimizer = "gd"
steps = 150000
log_every = 50000
precision = "f64"
"""

EXTEND_OLD = """
[sweep]
name = "extend"
seeds = 2

[grid]
group = ["cyclic:5"]
width = [32]
data_fraction = [0.5]

[train]
steps = 2000
log_every = 500
precision = "f64"
"""
EXTEND_SAME = ("# the same spec, re-commented and re-spaced\n" +
               EXTEND_OLD.replace('seeds = 2', 'seeds   =   2   # two seeds')
               .replace("[train]", "\n\n[train]   # fixed settings"))
EXTEND_NEW = EXTEND_OLD.replace("width = [32]", "width = [32, 48]")

TERMINAL = "SELECT count(*) FROM attempts WHERE outcome IN ('done', 'diverged', 'failed')"


def count(db, sql):
    try:
        return rows(db, sql)[0][0]
    except sqlite3.Error:
        return 0


def running_count(db):
    return count(db, "SELECT count(*) FROM runs WHERE status = 'running'")


def ckpts(db, d=None):
    d = d or db + ".checkpoints"
    return [f for f in os.listdir(d) if f.endswith(".ckpt")] if os.path.isdir(d) else []


def after_stop_checks(check, db, what, sig_name="SIGINT"):
    st = rows(db, "SELECT status, count(*) FROM runs GROUP BY 1")
    check(not [s for s, _ in st if s in ("running", "failed")],
          f"{what}: runs after the stop: {st}")
    inter = rows(db, "SELECT a.run_id, a.reason, r.status FROM attempts a JOIN runs r ON "
                     "r.id = a.run_id WHERE a.outcome = 'interrupted'")
    check(inter and all(s == "pending" for _, _, s in inter),
          f"{what}: interrupted attempts (run, reason, status now): {inter}")
    check(all(r and sig_name in r for _, r, _ in inter), f"{what}: reasons {inter}")


def relaunch(check, a, env, tmp, spec, db, what, argv=None):
    job = Started(argv or mpi(3, a.binary, "run", spec, "--db", db), env, tmp, what + "-again")
    rc = job.wait(300)
    check(rc == 0, f"{what}: relaunch exit {rc}: {job.err()[-400:]}")
    check_exactly_once(check, db, [h for (h,) in rows(db, "SELECT config_hash FROM runs")], what)
    check(count(db, "SELECT count(*) FROM runs") == LONG_RUNS, f"{what}: run count")
    return job


def wait_two_running(job, db, what, check):
    ok = wait_until(lambda: job.poll() is None and running_count(db) == 2 and
                    len(ckpts(db)) >= 2, 90)
    require(check, ok, f"{what}: never 2 checkpointed runs running: exit {job.poll()}: "
                       f"{job.err()[-300:]}")


def part_signals(check, a, env, tmp):
    spec = write(tmp, "long.toml", LONG)

    # 1. SIGINT to one worker rank: mpirun's code and the stop.
    db = os.path.join(tmp, "worker.db")
    job = Started(mpi(3, a.binary, "run", spec, "--db", db), env, tmp, "sig-worker")
    ranks = job.wait_ranks(a.binary, 3)
    require(check, sorted(ranks) == [0, 1, 2], f"worker: ranks {ranks}")
    wait_two_running(job, db, "worker", check)
    t = time.monotonic()
    os.kill(ranks[2], signal.SIGINT)
    rc = job.wait(60)
    took = time.monotonic() - t
    err = job.err()
    print(f"worker SIGINT: mpirun exit {rc} after {took:.1f} s", flush=True)
    check(rc == 75 and took < 15, f"worker SIGINT: mpirun exit {rc} after {took:.1f} s: "
                                  f"{err[-400:]}")
    check("stopped by SIGINT" in err, f"worker SIGINT: no 'stopped by SIGINT': {err[-400:]}")
    check(wait_until(lambda: not job.leftovers(), 5), f"worker: left {job.leftovers()}")
    job.kill()
    after_stop_checks(check, db, "worker SIGINT")
    relaunch(check, a, env, tmp, spec, db, "worker SIGINT")

    # 1b. The same, each rank's own exit code: a wrapper records it, and mpirun is told not to
    # kill the other ranks when the first exits non-zero (it then exits 0 itself).
    db = os.path.join(tmp, "worker-codes.db")
    codes = os.path.join(tmp, "rank-codes")
    wrapper = ["sh", "-c", '"$0" "$@"; rc=$?; echo "$OMPI_COMM_WORLD_RANK $rc" >> ' + codes +
               '; exit $rc']
    job = Started(MPIEXEC + ["--mca", "orte_abort_on_non_zero_status", "0", "-np", "3"] +
                  wrapper + [a.binary, "run", spec, "--db", db], env, tmp, "sig-worker-codes")
    ranks = job.wait_ranks(a.binary, 3)
    wait_two_running(job, db, "worker (codes)", check)
    os.kill(ranks[1], signal.SIGINT)
    job.wait(60)
    got = sorted(open(codes).read().split("\n")[:-1]) if os.path.exists(codes) else []
    check(got == ["0 75", "1 75", "2 75"], f"worker SIGINT: rank exit codes {got}")
    job.kill()
    after_stop_checks(check, db, "worker SIGINT (codes)")

    # 2. SIGINT to the built-in launcher.
    db = os.path.join(tmp, "launcher.db")
    argv = [a.binary, "run", "--np", "3", "--mpiexec", " ".join(MPIEXEC), spec, "--db", db]
    job = Started(argv, env, tmp, "sig-launcher")
    ranks = job.wait_ranks(a.binary, 3)
    require(check, sorted(ranks) == [0, 1, 2], f"launcher: ranks below the launcher {ranks}")
    wait_two_running(job, db, "launcher", check)
    t = time.monotonic()
    os.kill(job.pid, signal.SIGINT)
    rc = job.wait(60)
    took = time.monotonic() - t
    err = job.err()
    print(f"launcher SIGINT: exit {rc} after {took:.1f} s", flush=True)
    check(rc == 75 and took < 15, f"launcher SIGINT: exit {rc} after {took:.1f} s: {err[-400:]}")
    check("stopped by SIGINT" in err, f"launcher SIGINT: no 'stopped by SIGINT': {err[-400:]}")
    check(wait_until(lambda: not job.leftovers(), 5), f"launcher: left {job.leftovers()}")
    job.kill()
    after_stop_checks(check, db, "launcher SIGINT")
    relaunch(check, a, env, tmp, spec, db, "launcher SIGINT", argv)

    # 3. SIGINT to a plain mpirun: Open MPI sends the ranks SIGTERM and exits 1 itself.
    db = os.path.join(tmp, "mpirun.db")
    job = Started(mpi(3, a.binary, "run", spec, "--db", db), env, tmp, "sig-mpirun")
    wait_two_running(job, db, "mpirun", check)
    t = time.monotonic()
    os.kill(job.pid, signal.SIGINT)
    rc = job.wait(60)
    took = time.monotonic() - t
    err = job.err()
    print(f"mpirun SIGINT: exit {rc} after {took:.1f} s", flush=True)
    check(rc in (1, 75) and took < 15, f"mpirun SIGINT: exit {rc} after {took:.1f} s")
    check(re.search(r"stopped by SIG(INT|TERM)", err), f"mpirun SIGINT: stderr {err[-400:]}")
    check(wait_until(lambda: not job.leftovers(), 5), f"mpirun SIGINT: left {job.leftovers()}")
    job.kill()
    after_stop_checks(check, db, "mpirun SIGINT", sig_name="SIG")
    relaunch(check, a, env, tmp, spec, db, "mpirun SIGINT")


def part_diverged(check, a, env, tmp):
    spec = write(tmp, "diverge.toml", DIVERGE)
    db = os.path.join(tmp, "diverge.db")
    rc, _, err = quick(mpi(2, a.binary, "run", spec, "--db", db), env, 180)
    check(rc == 4, f"diverged: exit {rc} (expected 4): {err[-400:]}")
    st = dict(rows(db, "SELECT lr, status FROM runs"))
    check(st == {0.05: "done", 1e6: "diverged"}, f"diverged: statuses {st}")
    e = rows(db, "SELECT error FROM runs WHERE status = 'diverged'")
    msg = e[0][0] if e else None
    check(msg is not None and re.search(r"diverged at step \d+: train_loss became (inf|nan)", msg),
          f"diverged: error text {msg!r}")
    done_before = rows(db, "SELECT * FROM runs WHERE status = 'done'")

    rc, _, err = quick(mpi(2, a.binary, "run", spec, "--db", db, "--retry", "diverged"), env, 180)
    check(rc == 4, f"--retry diverged: exit {rc} (expected 4 again): {err[-400:]}")
    att = rows(db, "SELECT a.outcome, a.reason FROM attempts a JOIN runs r ON r.id = a.run_id "
                   "WHERE r.lr > 1 ORDER BY a.attempt, a.rowid")
    outcomes = [o for o, _ in att]
    check(outcomes.count("retried") == 1 and outcomes.count("diverged") == 2,
          f"--retry diverged: attempts of the diverged run {att}")
    check(all(r for o, r in att if o == "retried"), "--retry: a retried attempt without reason")
    check(rows(db, "SELECT status FROM runs WHERE lr > 1") == [("diverged",)],
          "--retry diverged: the run did not diverge again")
    check(rows(db, "SELECT * FROM runs WHERE status = 'done'") == done_before,
          "--retry diverged: the done run changed")
    check(count(db, "SELECT count(*) FROM attempts a JOIN runs r ON r.id = a.run_id "
                    "WHERE r.lr < 1") == 1, "--retry diverged: the done run was run again")


def part_ckpt_full(check, a, env, tmp):
    spec = write(tmp, "long.toml", LONG)
    mnt = os.path.join(tmp, "ckfull")
    with tmpfs(mnt, "2m"):
        ck = os.path.join(mnt, "ck")
        os.makedirs(ck)
        fill(mnt)
        check(is_full(mnt), "checkpoint dir: the tmpfs is not full")
        db = os.path.join(tmp, "ckfull.db")
        rc, _, err = quick(mpi(3, a.binary, "run", spec, "--db", db, "--checkpoint-dir", ck), env,
                           300)
        print(f"full checkpoint dir: exit {rc}", flush=True)
        check(rc == 0, f"full checkpoint dir: exit {rc}: {err[-500:]}")
        warn = [line for line in err.splitlines() if "warning" in line and "checkpoint" in line]
        check(warn, f"full checkpoint dir: no warning about the checkpoint: {err[-500:]}")
        st = rows(db, "SELECT status, count(*) FROM runs GROUP BY 1") if os.path.exists(db) else []
        check(st == [("done", LONG_RUNS)], f"full checkpoint dir: runs {st}")


def dump(db):
    if not os.path.exists(db):
        return None
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return list(con.iterdump())
    finally:
        con.close()


def check_line(check, a, env, spec, db, flags, what, unchanged=True):
    """--check's numbers (total, to run, the line); the database must not change (unless a live
    job writes to it meanwhile)."""
    before = dump(db) if unchanged else None
    rc, out, err = quick([a.binary, "run", spec, "--db", db, "--check"] + flags, env, 60)
    check(rc == 0, f"{what}: --check exit {rc}: {err[-300:]}")
    if unchanged:
        check(dump(db) == before, f"{what}: --check changed the database")
    line = [x for x in out.splitlines() if "is valid" in x]
    m = re.search(r'sweep "[^"]+" is valid: (\d+) runs \((\d+) seeds\), (\d+) (?:already )?done'
                  r'.*?\b(\d+) to run', line[0]) if line else None
    check(m is not None, f"{what}: --check output {out!r}")
    if m is None:
        return None, None, ""
    print(f"{what}: {line[0]}", flush=True)
    return int(m.group(1)), int(m.group(4)), line[0]


def trained_on_copy(check, a, env, tmp, spec, db, flags, what):
    """Runs the same command on a copy of the database: how many runs it trains."""
    copy = os.path.join(tmp, re.sub(r"\W+", "_", what) + ".copy.db")
    if os.path.exists(db):
        src, dst = sqlite3.connect(f"file:{db}?mode=ro", uri=True), sqlite3.connect(copy)
        src.backup(dst)
        src.close()
        dst.close()
        if os.path.isdir(db + ".checkpoints"):
            shutil.copytree(db + ".checkpoints", copy + ".checkpoints")
    before = count(copy, TERMINAL)
    rc, _, err = quick(mpi(3, a.binary, "run", spec, "--db", copy) + flags, env, 300)
    check(rc in (0, 4), f"{what}: run on the copy exit {rc}: {err[-300:]}")
    return count(copy, TERMINAL) - before, rc


def agree(check, a, env, tmp, spec, db, flags, what, expect=None):
    total, to_run, _ = check_line(check, a, env, spec, db, flags, what)
    trained, rc = trained_on_copy(check, a, env, tmp, spec, db, flags, what)
    print(f"{what}: --check says {to_run} to run, run trained {trained} (exit {rc})", flush=True)
    check(to_run is not None and to_run == trained,
          f"{what}: --check says {to_run} to run, run then trained {trained}")
    if expect is not None:
        check(to_run == expect, f"{what}: --check says {to_run} to run, expected {expect}")
    return to_run


def part_check_table(check, a, env, tmp):
    spec = write(tmp, "table.toml", TABLE)
    db = os.path.join(tmp, "table.db")
    # Fresh: nothing exists; --check must not create the file.
    agree(check, a, env, tmp, spec, db, [], "fresh", expect=TABLE_RUNS)
    check(not os.path.exists(db), "fresh: --check created the database")

    # Partly done: stopped by SIGTERM after 2 runs are done.
    job = Started(mpi(3, a.binary, "run", spec, "--db", db), env, tmp, "table-partial")
    wait_until(lambda: job.poll() is not None or
               count(db, "SELECT count(*) FROM runs WHERE status = 'done'") >= 2, 120)
    os.kill(job.pid, signal.SIGTERM)
    job.wait(60)
    job.kill()
    done = count(db, "SELECT count(*) FROM runs WHERE status = 'done'")
    check(0 < done < TABLE_RUNS, f"partly done: {done} done")
    agree(check, a, env, tmp, spec, db, [], "partly done", expect=TABLE_RUNS - done)

    # Runs left running by a job killed with kill -9.
    job = Started(mpi(3, a.binary, "run", spec, "--db", db), env, tmp, "table-killed")
    wait_until(lambda: job.poll() is not None or running_count(db) == 2, 120)
    job.kill()
    done = count(db, "SELECT count(*) FROM runs WHERE status = 'done'")
    check(running_count(db) == 2, f"killed: {running_count(db)} runs left running")
    agree(check, a, env, tmp, spec, db, [], "left running by a killed job",
          expect=TABLE_RUNS - done)

    # Runs held by a live job: job A runs a sweep of 2 of the grid's points.
    db = os.path.join(tmp, "live.db")
    sub = write(tmp, "table-sub.toml", TABLE_SUB)
    ja = Started(mpi(3, a.binary, "run", sub, "--db", db), env, tmp, "table-live")
    ok = wait_until(lambda: ja.poll() is None and running_count(db) == 2, 120)
    require(check, ok, f"live: job A never held its 2 runs: {ja.err()[-300:]}")
    held_ids = [r for (r,) in rows(db, "SELECT id FROM runs WHERE status = 'running'")]
    total, to_run, line = check_line(check, a, env, spec, db, [], "held by a live job",
                                     unchanged=False)
    # Job A may finish one of its runs meanwhile: the line's own done and held counts add up.
    m_done = re.search(r"(\d+) (?:already )?done", line)
    m_held = re.search(r"(\d+)[^,\d]*\b(?:held|live)\b", line)
    done_now, held_now = (int(m_done.group(1)) if m_done else None,
                          int(m_held.group(1)) if m_held else None)
    check(held_now is not None and 1 <= held_now <= len(held_ids),
          f"live: the runs held by the live job are not reported: {line!r}")
    check(None not in (to_run, done_now, held_now) and
          to_run == TABLE_RUNS - done_now - held_now and done_now + held_now <= len(held_ids),
          f"live: --check says {to_run} to run with {held_ids} held by a live job: {line!r}")
    before = rows(db, "SELECT count(*) FROM attempts WHERE outcome IN ('done', 'diverged', "
                      "'failed') AND run_id NOT IN (%s)" % ",".join(map(str, held_ids or [0])))
    rc, _, err = quick(mpi(3, a.binary, "run", spec, "--db", db), env, 300)
    after = rows(db, "SELECT count(*) FROM attempts WHERE outcome IN ('done', 'diverged', "
                     "'failed') AND run_id NOT IN (%s)" % ",".join(map(str, held_ids or [0])))
    trained = after[0][0] - before[0][0]
    check(rc == 0 and trained == to_run,
          f"live: run beside the live job exit {rc}, trained {trained}, --check said {to_run}")
    check(ja.wait(120) == 0, f"live: job A exit {ja.poll()}")
    check(rows(db, "SELECT count(*) FROM attempts WHERE outcome = 'lost'") == [(0,)],
          "live: the live job's runs were taken")
    agree(check, a, env, tmp, spec, db, [], "all done", expect=0)

    # Failed and diverged runs, with and without --retry.
    fspec = write(tmp, "failing.toml", FAILING)
    db = os.path.join(tmp, "failing.db")
    job = Started(mpi(3, a.binary, "run", fspec, "--db", db), env, tmp, "failing-killed")
    wait_until(lambda: job.poll() is not None or
               count(db, "SELECT count(*) FROM runs WHERE status = 'running' AND lr < 1") >= 1,
               120)
    job.kill()
    agree(check, a, env, tmp, fspec, db, [], "left running at max_attempts")
    rc, _, err = quick(mpi(3, a.binary, "run", fspec, "--db", db), env, 300)
    st = dict(rows(db, "SELECT status, count(*) FROM runs GROUP BY 1"))
    check(rc == 4, f"failing: exit {rc} with runs {st} (expected 4): {err[-300:]}")
    check(st.get("failed", 0) >= 1 and st.get("diverged", 0) >= 1,
          f"failing: not both failed and diverged runs: {st}")
    agree(check, a, env, tmp, fspec, db, [], "failed+diverged, no --retry", expect=0)
    agree(check, a, env, tmp, fspec, db, ["--retry", "diverged"], "--retry diverged",
          expect=st.get("diverged", 0))
    agree(check, a, env, tmp, fspec, db, ["--retry", "failed"], "--retry failed",
          expect=st.get("failed", 0))
    agree(check, a, env, tmp, fspec, db, ["--retry", "failed,diverged"],
          "--retry failed,diverged", expect=st.get("failed", 0) + st.get("diverged", 0))


def part_spec_change(check, a, env, tmp):
    old = write(tmp, "extend.toml", EXTEND_OLD)
    db = os.path.join(tmp, "extend.db")
    rc, _, err = quick(mpi(2, a.binary, "run", old, "--db", db), env, 120)
    check(rc == 0, f"spec: first run exit {rc}: {err[-300:]}")
    first = rows(db, "SELECT * FROM runs ORDER BY id")

    write(tmp, "extend.toml", EXTEND_SAME)
    rc, _, err = quick(mpi(2, a.binary, "run", old, "--db", db), env, 120)
    check(rc == 0, f"spec: comments/whitespace only: exit {rc}: {err[-300:]}")
    check(count(db, TERMINAL) == len(first), "spec: comments/whitespace only trained something")

    write(tmp, "extend.toml", EXTEND_NEW)
    versions = (lambda: count(db, "SELECT count(*) FROM sweep_specs s JOIN sweeps w ON "
                                  "w.id = s.sweep_id WHERE w.name = 'extend'")
                if table_exists(db, "sweep_specs") else 0)
    v_before = versions()
    rc, out, err = quick(mpi(2, a.binary, "run", old, "--db", db), env, 120)
    check(rc == 2, f"spec changed: exit {rc} (expected 2): {err[-300:]}")
    flat = [re.sub(r"\s+", "", x) for x in (err + out).splitlines()]
    check(any("width=[32]" in x for x in flat) and any("width=[32,48]" in x for x in flat),
          f"spec changed: the old and new lines are not shown: {(err + out)[-500:]}")
    check(rows(db, "SELECT * FROM runs ORDER BY id") == first, "spec changed: refused, yet wrote")

    rc, _, err = quick(mpi(2, a.binary, "run", old, "--db", db, "--extend"), env, 120)
    check(rc == 0, f"--extend: exit {rc}: {err[-300:]}")
    check(v_before >= 1 and versions() == v_before + 1,
          f"--extend: sweep_specs versions {v_before} -> {versions()}")
    if table_exists(db, "sweep_specs"):
        last = rows(db, "SELECT s.spec FROM sweep_specs s JOIN sweeps w ON w.id = s.sweep_id "
                        "WHERE w.name = 'extend' ORDER BY s.version DESC LIMIT 1")
        check(last and "width = [32, 48]" in last[0][0], "--extend: the new spec is not stored")
    now = rows(db, "SELECT * FROM runs ORDER BY id")
    check(now[:len(first)] == first, "--extend: the old runs changed")
    check(len(now) == 2 * len(first) and all(r == "done" for (r,) in rows(db, "SELECT status "
                                                                               "FROM runs")),
          f"--extend: {len(now)} runs")
    check(count(db, TERMINAL) == len(now), "--extend: the old points were trained again")


def part_status(check, a, env, tmp):
    spec = write(tmp, "long.toml", LONG)
    db = os.path.join(tmp, "status.db")
    job = Started(mpi(3, a.binary, "run", spec, "--db", db), env, tmp, "status-job")
    wait_until(lambda: job.poll() is None and running_count(db) == 2 and
               count(db, "SELECT count(*) FROM runs WHERE status = 'done'") >= 1, 120)
    rc, doc, err = status_json(a.binary, db, env)
    check(rc == 0 and doc is not None, f"status (alive): exit {rc}: {err[-300:]}")
    js = (doc or {}).get("jobs") or []
    check(len(js) == 1 and js[0].get("state") == "alive" and
          isinstance(js[0].get("heartbeat_age_seconds"), (int, float)),
          f"status (alive): jobs {js}")
    eta = [e for e in json_find(doc, "eta_seconds") if e is not None]
    check(eta and all(isinstance(e, (int, float)) and e >= 0 for e in eta),
          f"status (alive): eta_seconds {json_find(doc, 'eta_seconds')}")
    job.kill()
    rc, doc, err = status_json(a.binary, db, env)
    check(rc == 0 and doc is not None, f"status (killed): exit {rc}: {err[-300:]}")
    js = (doc or {}).get("jobs") or []
    check(len(js) == 1 and js[0].get("state") == "dead" and
          {"id", "host", "pid", "state", "heartbeat_age_seconds"} <= set(js[0]),
          f"status (killed): jobs {js}")
    eta = [e for e in json_find(doc, "eta_seconds") if e is not None]
    check(not eta, f"status (killed): an ETA is still shown: {eta}")
    rc, out, err = quick([a.binary, "status", "--db", db], env, 60)
    jid = str(js[0].get("id")) if js else "?"
    line = [x for x in out.splitlines() if re.search(rf"\b{re.escape(jid)}\b", x) and "dead" in x]
    check(rc == 0 and line, f"status (text) after kill -9: no dead job line: {out[-500:]}")
    check(not re.search(r"(?i)\beta\b\s*[:=]?\s*\d", out),
          f"status (text): an ETA after kill -9: {out}")


def part_codes(check, a, env, tmp):
    spec = write(tmp, "extend-codes.toml", EXTEND_OLD)
    missing = os.path.join(tmp, "missing.db")
    for cmd in (["status"], ["runs"], ["sql", "SELECT 1"]):
        rc, _, err = quick([a.binary] + cmd[:1] + ["--db", missing] + cmd[1:], env, 60)
        check(rc == 3, f"{cmd[0]} on a missing database: exit {rc}: {err[-200:]}")
    check(not os.path.exists(missing), "a query command created the missing database")
    junk = write(tmp, "junk.db", "this is not an SQLite file\n" * 200)
    for argv in ([a.binary, "status", "--db", junk], mpi(2, a.binary, "run", spec, "--db", junk)):
        rc, _, err = quick(argv, env, 60)
        check(rc == 3, f"{argv[-3:]} on a non-SQLite file: exit {rc}: {err[-200:]}")
    other = os.path.join(tmp, "other.db")
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    rc, _, err = quick([a.binary, "status", "--db", other], env, 60)
    check(rc == 3, f"status on a non-symsweep SQLite file: exit {rc}: {err[-200:]}")
    rc, _, err = quick([a.binary, "run", spec, "--db", os.path.join(tmp, "x.db"), "--bogus"], env)
    check(rc == 2, f"run with an unknown flag: exit {rc}")
    bad = write(tmp, "bad.toml", EXTEND_OLD.replace("seeds = 2", "seeds = 2\nbogus_key = 1"))
    rc, _, err = quick([a.binary, "run", bad, "--db", os.path.join(tmp, "x.db")], env)
    check(rc == 2, f"run with a bad spec: exit {rc}")


PARTS = {"signals": part_signals, "diverged": part_diverged, "ckpt": part_ckpt_full,
         "check": part_check_table, "spec": part_spec_change, "status": part_status,
         "codes": part_codes}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--mpiexec", default="mpirun")
    ap.add_argument("--preflags", default="--oversubscribe")
    ap.add_argument("--only", default=",".join(PARTS))
    a = ap.parse_args()
    configure(a.mpiexec, a.preflags)
    check, env = Checks(), environment()
    try:
        with workdir() as tmp:
            for name in a.only.split(","):
                run_part(check, f"[{name}]", PARTS[name], check, a, env, tmp)
    finally:
        cleanup()
    check.finish()


if __name__ == "__main__":
    main()
