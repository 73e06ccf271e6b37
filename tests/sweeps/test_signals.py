#!/usr/bin/env python3
"""Signals: SIGUSR1 or SIGTERM to a running sweep makes every team checkpoint and stop; the ranks
exit with 75, the interrupted runs are pending again with their attempts unchanged, and a
relaunch continues them from their checkpoints to results equal to an uninterrupted sweep's
(f64 and f32). A relaunch after the checkpoints are damaged restarts those runs from scratch,
still with equal results.

usage: test_signals.py SYMSWEEP_BINARY [--mpiexec mpirun] [--preflags --oversubscribe]
"""
import argparse
import os
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweeplib import Checks, configure, environment, launch, rows  # noqa: E402

SPEC = """
[sweep]
name = "signals"
seeds = 1
checkpoint_every_seconds = 0.5

[grid]
group = ["cyclic:23"]
width = [256]
data_fraction = [0.5]
precision = ["f64", "f32"]

[train]
steps = 20000
log_every = 2000
"""
RESULTS = ("SELECT config_hash, status, train_loss, test_loss, train_acc, test_acc, full_loss, "
           "binary_gap, effective_dim, drift_q, steps_done FROM runs ORDER BY 1")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--mpiexec", default="mpirun")
    ap.add_argument("--preflags", default="--oversubscribe")
    a = ap.parse_args()
    configure(a.mpiexec, a.preflags)
    check, env = Checks(), environment()

    with tempfile.TemporaryDirectory() as tmp:
        spec = os.path.join(tmp, "signals.toml")
        with open(spec, "w") as f:
            f.write(SPEC)
        ref = os.path.join(tmp, "ref.db")
        t0 = time.monotonic()
        p = launch(a.binary, spec, ref, 3, env)
        _, err = p.communicate(timeout=600)
        full = time.monotonic() - t0
        check(p.returncode == 0, f"reference exit {p.returncode}: {err.decode()[-400:]}")
        expected = rows(ref, RESULTS)

        for sig, damage in ((signal.SIGUSR1, False), (signal.SIGTERM, True)):
            db = os.path.join(tmp, f"{sig.name}.db")
            p = launch(a.binary, spec, db, 3, env)
            ckpt_dir = db + ".checkpoints"
            # Signal once both runs train and each has written a checkpoint (every 0.5 s).
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and p.poll() is None:
                if os.path.isdir(ckpt_dir) and \
                        len([f for f in os.listdir(ckpt_dir) if f.endswith(".ckpt")]) == 2:
                    break
                time.sleep(0.05)
            os.kill(p.pid, sig)  # to mpirun, as `scancel --signal` or a shell would
            t_sig = time.monotonic()
            _, err = p.communicate(timeout=120)
            err = err.decode()
            check(time.monotonic() - t_sig < 10, f"{sig.name}: took more than 10 s to stop")
            check("stopped by " + sig.name in err, f"{sig.name}: no stop message: {err[-400:]}")
            # Every rank exits 75; mpirun passes it on (it exits 1 itself when it got SIGTERM).
            check(p.returncode == (75 if sig == signal.SIGUSR1 else 1) or p.returncode == 75,
                  f"{sig.name}: exit {p.returncode}")
            states = rows(db, "SELECT status, attempts FROM runs")
            check(all(s == "pending" and n == 0 for s, n in states),
                  f"{sig.name}: runs after the stop: {states}")
            reasons = rows(db, "SELECT reason FROM attempts WHERE outcome = 'interrupted'")
            check(len(reasons) == 2 and all(sig.name in r for (r,) in reasons),
                  f"{sig.name}: attempts recorded: {reasons}")
            ckpts = sorted(f for f in os.listdir(ckpt_dir) if f.endswith(".ckpt"))
            check(len(ckpts) == 2, f"{sig.name}: checkpoints {ckpts}")
            if damage:  # truncate one, delete the other's newest: fall back and restart
                path = os.path.join(ckpt_dir, ckpts[0])
                os.truncate(path, os.path.getsize(path) * 9 // 10)
                os.remove(os.path.join(ckpt_dir, ckpts[1]))

            p = launch(a.binary, spec, db, 3, env)
            _, err = p.communicate(timeout=600)
            err = err.decode()
            check(p.returncode == 0, f"{sig.name}: relaunch exit {p.returncode}: {err[-400:]}")
            if damage:
                # The truncated newest generation is skipped: the run continues from the older
                # one when it is whole, else starts again; either way the message says which.
                check("truncated" in err and ("continues from the older checkpoint" in err or
                                              "starts again" in err),
                      f"{sig.name}: no warning about the damaged checkpoint: {err[-600:]}")
            else:
                check(err.count("continued from its checkpoint") == 2,
                      f"{sig.name}: runs did not continue from checkpoints: {err[-600:]}")
            check(rows(db, RESULTS) == expected,
                  f"{sig.name}: results differ from the uninterrupted sweep")
            check(not [f for f in os.listdir(ckpt_dir) if ".ckpt" in f],
                  f"{sig.name}: checkpoints left after the runs finished")
    check.finish()


if __name__ == "__main__":
    main()
