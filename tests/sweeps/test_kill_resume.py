#!/usr/bin/env python3
"""Reliability: kill -9 a sweep at random points (some inside a database write), relaunch until
done, and check that every grid point is in `runs` exactly once with status done, that runs
finished before a kill are byte-identical afterwards, that the results equal an uninterrupted
sweep's, and that PRAGMA integrity_check is ok. A reader polls the database during every launch
and must never see an error.

usage: test_kill_resume.py SYMSWEEP_BINARY [--np 3] [--kills 6] [--seed 1] [--mpiexec mpirun]
"""
import argparse
import os
import random
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweeplib import Checks, Reader, configure, environment, launch, rows  # noqa: E402

SPEC = """
[sweep]
name = "kill"
seeds = 3
max_attempts = 50

[grid]
group = ["cyclic:5", "cyclic:7"]
width = [48, 64]
data_fraction = [0.4, 0.7]
augment = ["none"]

[train]
steps = 10000
log_every = 500
precision = "f64"
"""
RUN_COLUMNS = ("config_hash, status, error, train_loss, test_loss, train_acc, test_acc, full_loss, "
               "binary_gap, max_offtarget_mp, effective_dim, drift_q, kappa, "
               "train_pairs, steps_done, finished_at, wall_seconds")
RESULT_COLUMNS = ("config_hash, status, train_loss, test_loss, train_acc, test_acc, full_loss, "
                  "binary_gap, max_offtarget_mp, effective_dim, drift_q")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--np", type=int, default=3)
    ap.add_argument("--kills", type=int, default=6)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--mpiexec", default="mpirun")
    ap.add_argument("--preflags", default="--oversubscribe",
                    help="flags before the program (more ranks than cores need --oversubscribe)")
    a = ap.parse_args()
    configure(a.mpiexec, a.preflags)
    rng = random.Random(a.seed)
    env = environment()
    check = Checks()

    with tempfile.TemporaryDirectory() as tmp:
        spec = os.path.join(tmp, "kill.toml")
        with open(spec, "w") as f:
            f.write(SPEC)
        ref, db = os.path.join(tmp, "ref.db"), os.path.join(tmp, "kill.db")

        t0 = time.monotonic()
        p = launch(a.binary, spec, ref, a.np, env)
        _, err = p.communicate(timeout=600)
        check(p.returncode == 0, f"reference sweep exit {p.returncode}: {err.decode()[-500:]}")
        full = time.monotonic() - t0
        expected = rows(ref, "SELECT count(*) FROM runs")[0][0]
        check(expected == 24, f"reference has {expected} runs, expected 24")
        print(f"reference sweep: {expected} runs in {full:.2f} s", flush=True)

        finished_before = {}
        kills = 0
        for i in range(a.kills):
            # Odd kills hold every write transaction open, so the kill lands inside a write.
            slow = i % 2 == 1
            e = environment(SYMSWEEP_FAULT_SLOW_WRITE_MS="200") if slow else env
            reader = Reader(db)
            reader.start()
            p = launch(a.binary, spec, db, a.np, e)
            # Kill somewhere inside what is left of the sweep (mpirun itself needs ~0.3 s).
            left = 1.0
            if os.path.exists(db):
                done = rows(db, "SELECT count(*) FROM runs WHERE status = 'done'")[0][0]
                left = 1.0 - done / expected
            time.sleep(0.3 + rng.uniform(0.0, 0.8 * full * left))
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                kills += 1
            p.wait()
            reader.stop = True
            reader.join()
            check(not reader.errors, f"reader saw errors: {reader.errors[:3]}")
            check(reader.slowest < 10.0, f"a read waited {reader.slowest:.1f} s")
            if os.path.exists(db):
                check(rows(db, "PRAGMA integrity_check")[0][0] == "ok", "integrity after kill")
                now = {r[0]: r for r in rows(db, f"SELECT {RUN_COLUMNS} FROM runs "
                                                 "WHERE status = 'done'")}
                for h, r in finished_before.items():
                    check(now.get(h) == r, f"run {h} changed after kill {i}")
                finished_before.update(now)
                print(f"kill {i} ({'inside writes' if slow else 'anywhere'}): "
                      f"{len(now)} runs done so far, reader made {reader.reads} reads", flush=True)

        for attempt in range(20):
            p = launch(a.binary, spec, db, a.np, env)
            _, err = p.communicate(timeout=600)
            check(p.returncode == 0, f"relaunch exit {p.returncode}: {err.decode()[-500:]}")
            if rows(db, "SELECT count(*) FROM runs WHERE status != 'done'")[0][0] == 0:
                break

        check(kills >= 5, f"only {kills} launches were killed")
        check(rows(db, "PRAGMA integrity_check")[0][0] == "ok", "final integrity")
        total, distinct = rows(db, "SELECT count(*), count(DISTINCT config_hash) FROM runs")[0]
        check(total == expected and distinct == expected,
              f"{total} rows / {distinct} configs, expected {expected}")
        check(rows(db, "SELECT count(*) FROM runs WHERE status = 'done'")[0][0] == expected,
              "not every run is done")
        for h, r in finished_before.items():
            check(rows(db, f"SELECT {RUN_COLUMNS} FROM runs WHERE config_hash = '{h}'")[0] == r,
                  f"run {h} changed by the final relaunch")
        mine = sorted(rows(db, f"SELECT {RESULT_COLUMNS} FROM runs"))
        theirs = sorted(rows(ref, f"SELECT {RESULT_COLUMNS} FROM runs"))
        check(mine == theirs, "results differ from the uninterrupted sweep")
        per_run = rows(db, "SELECT count(*) FROM metrics GROUP BY run_id")
        check(all(c == 21 for (c,) in per_run) and len(per_run) == expected,
              "every run has exactly its 21 logged steps")
        leftovers = [f for f in os.listdir(tmp) if f.endswith(".tmp")]
        check(not leftovers, f"stale temporary files: {leftovers}")

    check.finish()


if __name__ == "__main__":
    main()
