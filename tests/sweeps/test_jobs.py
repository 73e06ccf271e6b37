#!/usr/bin/env python3
"""Jobs and leases: several jobs share one database.

(a) Three jobs of one spec start together; one is killed with kill -9 (its whole session) while
    it holds a run and relaunched later. A poller reads the done rows every 50 ms: none may ever
    change or leave done. At the end every grid point is in `runs` exactly once, done, with one
    `done` attempt; no two attempts of a run overlap in time; the results equal an uninterrupted
    job's; the killed job is `dead`, the others `ended` with exit code 0.
(b) Two different specs (overlapping grids) on one database at once: each job and `status`
    count only their sweep's runs, no attempt is `lost`, every run done exactly once.
(c) Lease path: a job in another pid namespace (`unshare --pid --fork`, --lease 4) is killed
    -9; a job started right after must not take its runs while the lease is fresh, takes them
    over after it (attempt `lost`), continues them from their checkpoints and finishes
    everything exactly once, to the uninterrupted results.
(d) The master of job A is stopped (SIGSTOP) for 3 s, less than its 8 s lease, while job B runs
    on the same database: none of A's runs is taken; after SIGCONT both finish, exactly once.

usage: test_jobs.py SYMSWEEP_BINARY [--mpiexec mpirun] [--preflags --oversubscribe] [--only abcd]
"""
import argparse
import os
import re
import signal
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweeplib import (  # noqa: E402
    run_part, write,
    Checks, DonePoller, Started, attempt_overlaps, bad_time_formats, check_exactly_once,
    cleanup, configure, environment, iso_seconds, jobs, mpi, require, rows, status_json,
    table_exists, wait_until, workdir)

SHARED = """
[sweep]
name = "shared"
seeds = 2
max_attempts = 20
checkpoint_every_seconds = 0.5

[grid]
group = ["cyclic:5", "cyclic:7"]
width = [48, 64]
data_fraction = [0.5, 0.7]

[train]
steps = 100000
log_every = 10000
precision = "f64"
"""
SHARED_RUNS = 16

# Two sweeps whose grids share the cyclic:7, width 48 points (4 runs): 8 + 8 - 4 = 12 runs.
SPEC_X = """
[sweep]
name = "x"
seeds = 2
checkpoint_every_seconds = 0.5

[grid]
group = ["cyclic:5", "cyclic:7"]
width = [48]
data_fraction = [0.5, 0.7]

[train]
steps = 100000
log_every = 10000
precision = "f64"
"""
SPEC_Y = SPEC_X.replace('name = "x"', 'name = "y"').replace(
    'group = ["cyclic:5", "cyclic:7"]\nwidth = [48]', 'group = ["cyclic:7"]\nwidth = [48, 64]')
X_RUNS, Y_RUNS, XY_SHARED = 8, 8, 4

# Longer runs (a few seconds each), so that a job can be caught holding runs.
LONG = """
[sweep]
name = "long"
seeds = 2
max_attempts = 20
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
LONG_RUNS = 8

RESULTS = ("SELECT config_hash, status, train_loss, test_loss, train_acc, test_acc, full_loss, "
           "binary_gap, max_offtarget_mp, effective_dim, drift_q, steps_done "
           "FROM runs ORDER BY config_hash")
DONE_COLUMNS = ("config_hash, train_loss, test_loss, train_acc, test_acc, full_loss, binary_gap, "
                "effective_dim, drift_q, steps_done, finished_at")


def q(db, sql, *args):
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
        try:
            return con.execute(sql, args).fetchall()
        finally:
            con.close()
    except sqlite3.Error:
        return []


def job_id_of(db, started, binary):
    """The jobs row of a launch: the one whose pid is one of the launch's processes."""
    pids = set(started.ranks(binary).values()) | {started.pid}
    for jid, (pid, _, _) in jobs(db).items():
        if pid in pids:
            return jid
    return None


def held(db, job_id):
    return sorted(r for (r,) in q(db, "SELECT id FROM runs WHERE status = 'running' AND "
                                      "job_id = ?", job_id))


def done_by(db, job_id):
    return q(db, "SELECT count(*) FROM attempts WHERE outcome = 'done' AND job_id = ?",
             job_id)[0][0] if table_exists(db, "attempts") else 0


def reference(check, a, env, tmp, spec, name):
    db = os.path.join(tmp, name + "-ref.db")
    t0 = time.monotonic()
    job = Started(mpi(3, a.binary, "run", spec, "--db", db), env, tmp, name + "-ref")
    rc = job.wait(300)
    check(rc == 0, f"{name}: reference exit {rc}: {job.err()[-400:]}")
    print(f"{name}: reference sweep in {time.monotonic() - t0:.1f} s", flush=True)
    return db


def common_end_checks(check, db, ref, what):
    check_exactly_once(check, db, [h for (h,) in rows(ref, "SELECT config_hash FROM runs")],
                       what)
    check(rows(db, RESULTS) == rows(ref, RESULTS),
          f"{what}: results differ from the uninterrupted job's")
    bad = attempt_overlaps(db)
    check(not bad, f"{what}: overlapping attempts of one run: {bad[:3]}")
    fmt = bad_time_formats(db)
    check(not fmt, f"{what}: attempt times not ISO 8601 UTC with ms: {fmt[:3]}")


def part_a(check, a, env, tmp):
    spec = write(tmp, "shared.toml", SHARED)
    ref = reference(check, a, env, tmp, spec, "(a)")
    db = os.path.join(tmp, "shared.db")
    poller = DonePoller(db, DONE_COLUMNS)
    poller.start()
    launches = [Started(mpi(2, a.binary, "run", spec, "--db", db), env, tmp, f"a-job{i}")
                for i in range(3)]
    victim = launches[1]
    wait_until(lambda: all(job_id_of(db, j, a.binary) for j in launches), 60)
    ids = [job_id_of(db, j, a.binary) for j in launches]
    vid = ids[1]
    require(check, None not in ids, f"(a) jobs rows of the 3 launches: {ids}, table {jobs(db)}")
    ok = wait_until(lambda: victim.poll() is None and len(held(db, vid)) >= 1 and
                    q(db, "SELECT count(*) FROM runs WHERE status = 'done'")[0][0] >= 3, 120)
    require(check, ok, f"(a) the victim never held a run after 3 were done: "
                       f"{victim.err()[-400:]}")
    victim_held = held(db, vid)
    t_kill = time.time()
    victim.kill()
    print(f"(a) killed job {vid} holding runs {victim_held}", flush=True)
    time.sleep(2)
    launches.append(Started(mpi(2, a.binary, "run", spec, "--db", db), env, tmp, "a-relaunch"))
    ids.append(wait_until(lambda: job_id_of(db, launches[-1], a.binary), 60))
    for j in launches:
        if j is not victim:
            rc = j.wait(300)
            check(rc == 0, f"(a) {j.name} exit {rc}: {j.err()[-500:]}")
    poller.stop()
    check(poller.reads > 20, f"(a) the poller read only {poller.reads} times")
    check(not poller.violations, f"(a) done rows changed: {poller.violations[:3]}")
    check(not poller.errors, f"(a) poller errors: {poller.errors[:3]}")
    common_end_checks(check, db, ref, "(a)")
    lost = q(db, "SELECT run_id, stopped_at FROM attempts WHERE outcome = 'lost' AND job_id = ?",
             vid)
    check(sorted(r for r, _ in lost) == victim_held,
          f"(a) lost attempts of the killed job {lost}, it held {victim_held}")
    check(all(iso_seconds(t) >= t_kill - 0.5 for _, t in lost),
          f"(a) a lost attempt ends before the kill: {lost}")
    js = jobs(db)
    others = [jid for jid in ids if jid != vid]
    check(js.get(vid, (None, None))[1] == "dead", f"(a) killed job's row: {js.get(vid)}")
    end = {jid: js.get(jid) for jid in others}
    check(len(js) == 4 and all(v is not None and v[1:] == ("ended", 0) for v in end.values()),
          f"(a) the other jobs' rows: {end} (all jobs: {js})")
    shares = {jid: done_by(db, jid) for jid in others[:2]}
    check(all(n >= 1 for n in shares.values()),
          f"(a) the jobs started together did not share the work: done attempts {shares}")


def sweep_counts(doc, name):
    for s in (doc or {}).get("sweeps", []):
        if s.get("name") == name:
            return s
    return None


def part_b(check, a, env, tmp, binary):
    sx, sy = write(tmp, "x.toml", SPEC_X), write(tmp, "y.toml", SPEC_Y)
    db = os.path.join(tmp, "xy.db")
    jx = Started(mpi(2, binary, "run", sx, "--db", db), env, tmp, "b-x")
    jy = Started(mpi(2, binary, "run", sy, "--db", db), env, tmp, "b-y")
    # While both run, status counts each sweep's own runs.
    mid = wait_until(lambda: (lambda d: d if sweep_counts(d, "x") and sweep_counts(d, "y") and
                              d else None)(status_json(binary, db, env)[1]), 60)
    for name, n in (("x", X_RUNS), ("y", Y_RUNS)):
        c = sweep_counts(mid, name)
        check(c is not None and c.get("total") == n,
              f"(b) status while running: sweep {name} {c}, expected total {n}")
    rcx, rcy = jx.wait(300), jy.wait(300)
    check(rcx == 0 and rcy == 0, f"(b) exits {rcx}, {rcy}: {jx.err()[-300:]} {jy.err()[-300:]}")
    for j, name, n in ((jx, "x", X_RUNS), (jy, "y", Y_RUNS)):
        err = j.err()
        m1 = re.search(rf'sweep "{name}": (\d+) runs', err)
        m2 = re.search(rf'sweep "{name}" finished: (\d+) done, (\d+) failed, (\d+) diverged',
                       err)
        check(m1 is not None and int(m1.group(1)) == n,
              f"(b) job {name} start line counts {m1 and m1.group(0)}, expected {n} runs")
        check(m2 is not None and int(m2.group(1)) == n and m2.group(2, 3) == ("0", "0"),
              f"(b) job {name} summary {m2 and m2.group(0)}, expected {n} done")
    rc, doc, err = status_json(binary, db, env)
    check(rc == 0 and doc is not None, f"(b) status --json exit {rc}: {err[-300:]}")
    for name, n in (("x", X_RUNS), ("y", Y_RUNS)):
        c = sweep_counts(doc, name)
        check(c is not None and c.get("total") == n and c.get("done") == n,
              f"(b) final status of sweep {name}: {c}, expected {n} done")
    per_sweep = dict(rows(db, "SELECT sweeps.name, count(*) FROM sweep_runs JOIN sweeps ON "
                              "sweeps.id = sweep_runs.sweep_id GROUP BY 1"))
    check(per_sweep == {"x": X_RUNS, "y": Y_RUNS}, f"(b) sweep_runs per sweep {per_sweep}")
    both = rows(db, "SELECT count(*) FROM (SELECT run_id FROM sweep_runs GROUP BY run_id "
                    "HAVING count(*) = 2)")[0][0]
    check(both == XY_SHARED, f"(b) {both} runs in both sweeps, expected {XY_SHARED}")
    expected = [h for (h,) in rows(db, "SELECT config_hash FROM runs")]
    check(len(expected) == X_RUNS + Y_RUNS - XY_SHARED, f"(b) {len(expected)} runs in total")
    check_exactly_once(check, db, expected, "(b)")
    lost = rows(db, "SELECT run_id, reason FROM attempts WHERE outcome != 'done'")
    check(not lost, f"(b) attempts other than done (false lost?): {lost[:4]}")
    bad = attempt_overlaps(db)
    check(not bad, f"(b) overlapping attempts: {bad[:3]}")
    js = jobs(db)
    check(len(js) == 2 and all(v[1:] == ("ended", 0) for v in js.values()), f"(b) jobs {js}")


def part_c(check, a, env, tmp, ref):
    spec = os.path.join(tmp, "long.toml")
    db = os.path.join(tmp, "lease.db")
    lease = 4.0
    ja = Started(["unshare", "--pid", "--fork", "--mount-proc"] +
                 mpi(3, a.binary, "run", spec, "--db", db, "--lease", str(lease)),
                 env, tmp, "c-unshared")
    ranks = ja.wait_ranks(a.binary, 3)
    require(check, len(ranks) == 3, f"(c) ranks of the unshared job: {ranks}")
    if ranks:
        check(os.readlink(f"/proc/{ranks[0]}/ns/pid") != os.readlink("/proc/self/ns/pid"),
              "(c) the job is not in another pid namespace")
    aid = wait_until(lambda: (lambda js: next(iter(js)) if len(js) == 1 else None)(jobs(db)), 60)
    require(check, aid is not None, f"(c) no single jobs row for the unshared job: {jobs(db)}")
    ckdir = db + ".checkpoints"
    ok = wait_until(lambda: ja.poll() is None and len(held(db, aid)) == 2 and
                    os.path.isdir(ckdir) and
                    len([f for f in os.listdir(ckdir) if f.endswith(".ckpt")]) >= 2, 120)
    require(check, ok, f"(c) the unshared job never held 2 checkpointed runs: "
                       f"{ja.err()[-400:]}")
    a_held = held(db, aid)
    t_kill = time.time()
    ja.kill()
    jb = Started(mpi(3, a.binary, "run", spec, "--db", db), env, tmp, "c-second")
    # Within the first 2 s the lease (4 s, refreshed every 0.67 s) is still fresh.
    seen = []
    while time.time() < t_kill + 2.0:
        seen.append(held(db, aid))
        time.sleep(0.05)
    check(seen and all(s == a_held for s in seen),
          f"(c) the dead job's runs were taken while its lease was fresh: held {a_held}, "
          f"then {[s for s in seen if s != a_held][:2]}")
    rc = jb.wait(300)
    err = jb.err()
    check(rc == 0, f"(c) second job exit {rc}: {err[-500:]}")
    lost = q(db, "SELECT run_id, stopped_at FROM attempts WHERE outcome = 'lost' AND job_id = ?",
             aid)
    check(sorted(r for r, _ in lost) == a_held, f"(c) lost attempts {lost}, held {a_held}")
    early = [t for _, t in lost if iso_seconds(t) < t_kill + lease * 5 / 6 - 0.5]
    check(not early, f"(c) runs taken before the lease ran out (killed at {t_kill:.2f}): {early}")
    check(err.count("continued from its checkpoint") >= len(a_held),
          f"(c) the taken-over runs did not continue from their checkpoints: {err[-600:]}")
    js = jobs(db)
    check(js.get(aid, (None, None))[1] == "dead", f"(c) the killed job's row: {js.get(aid)}")
    bid = [j for j in js if j != aid]
    check(len(bid) == 1 and js[bid[0]][1:] == ("ended", 0), f"(c) jobs {js}")
    common_end_checks(check, db, ref, "(c)")


def part_d(check, a, env, tmp, ref):
    spec = os.path.join(tmp, "long.toml")
    db = os.path.join(tmp, "stopped.db")
    ja = Started(mpi(3, a.binary, "run", spec, "--db", db, "--lease", "8"), env, tmp, "d-a")
    ranks = ja.wait_ranks(a.binary, 3)
    aid = wait_until(lambda: job_id_of(db, ja, a.binary), 60)
    require(check, aid is not None and 0 in ranks, f"(d) job A: id {aid}, ranks {ranks}")
    ok = wait_until(lambda: ja.poll() is None and len(held(db, aid)) == 2, 120)
    require(check, ok, f"(d) job A never held 2 runs: {ja.err()[-400:]}")
    jb = Started(mpi(2, a.binary, "run", spec, "--db", db), env, tmp, "d-b")
    bid = wait_until(lambda: job_id_of(db, jb, a.binary), 60)
    require(check, bid is not None, "(d) job B never registered")
    a_held = held(db, aid)
    os.kill(ranks[0], signal.SIGSTOP)
    try:
        seen = []
        t_end = time.monotonic() + 3
        while time.monotonic() < t_end:
            seen.append(held(db, aid))
            time.sleep(0.05)
    finally:
        os.kill(ranks[0], signal.SIGCONT)
    check(all(s == a_held for s in seen),
          f"(d) A's runs changed hands while A was stopped: {a_held} -> "
          f"{[s for s in seen if s != a_held][:2]}")
    rca, rcb = ja.wait(300), jb.wait(300)
    check(rca == 0 and rcb == 0, f"(d) exits A {rca}, B {rcb}: {ja.err()[-300:]} "
                                 f"{jb.err()[-300:]}")
    lost = rows(db, "SELECT run_id, job_id, reason FROM attempts WHERE outcome = 'lost'")
    check(not lost, f"(d) runs of the stopped job were taken: {lost}")
    check(done_by(db, bid) >= 1, "(d) job B trained nothing (the test shows nothing)")
    js = jobs(db)
    check(js.get(aid, (0, 0, 0))[1:] == ("ended", 0) and js.get(bid, (0, 0, 0))[1:] ==
          ("ended", 0), f"(d) jobs {js}")
    common_end_checks(check, db, ref, "(d)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--mpiexec", default="mpirun")
    ap.add_argument("--preflags", default="--oversubscribe")
    ap.add_argument("--only", default="abcd")
    a = ap.parse_args()
    configure(a.mpiexec, a.preflags)
    check, env = Checks(), environment()
    try:
        with workdir() as tmp:
            refs = {}

            def long_reference():
                if "long" not in refs:
                    refs["long"] = reference(check, a, env, tmp, write(tmp, "long.toml", LONG),
                                             "(cd)")
                    n = rows(refs["long"], "SELECT count(*) FROM runs")[0][0]
                    check(n == LONG_RUNS, f"(cd) reference has {n} runs")
                return refs["long"]

            parts = {"a": lambda: part_a(check, a, env, tmp),
                     "b": lambda: part_b(check, a, env, tmp, a.binary),
                     "c": lambda: part_c(check, a, env, tmp, long_reference()),
                     "d": lambda: part_d(check, a, env, tmp, long_reference())}
            for part in a.only:
                run_part(check, f"({part})", parts[part])
    finally:
        cleanup()
    check.finish()


if __name__ == "__main__":
    main()
