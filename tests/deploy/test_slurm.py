#!/usr/bin/env python3
"""Deployment on a real Slurm (deploy/slurm/local-cluster.sh): sweep.sbatch runs a sweep to the
end; a sweep sent USR1 (as Slurm's --signal=B:USR1@N does before a time limit) checkpoints,
requeues itself and finishes with every run exactly once and the results of an uninterrupted
sweep; array.sbatch + merge give the same runs; `srun -n 4` and `mpirun -np 4` agree.

usage: test_slurm.py SYMSWEEP_BINARY REPO_ROOT
"""
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sweeps"))
from sweeplib import Checks, environment, rows  # noqa: E402

SPEC = """
[sweep]
name = "slurm"
seeds = 2
ranks_per_run = 1
checkpoint_every_seconds = 1

[grid]
group = ["cyclic:13", "cyclic:17"]
width = [128]
data_fraction = [0.4, 0.7]

[train]
steps = {steps}
log_every = 1000
precision = "f64"
"""
RESULTS = ("SELECT config_hash, status, train_loss, test_loss, train_acc, test_acc, full_loss, "
           "binary_gap, effective_dim, steps_done FROM runs ORDER BY config_hash")


def sh(cmd, timeout=600, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)


def job_state(jobid):
    out = sh(["scontrol", "show", "job", jobid]).stdout
    for field in out.split():
        if field.startswith("JobState="):
            return field.split("=", 1)[1]
    return "GONE"


def wait_job(jobid, timeout):
    """Waits until the job has finished for good (requeues included)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = job_state(jobid)
        if state in ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "GONE", "NODE_FAIL"):
            return state
        time.sleep(1)
    return "TIMEDOUT-WAITING"


def main():
    binary, root = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    check = Checks()
    cluster = os.path.join(root, "deploy", "slurm", "local-cluster.sh")
    started = sh([cluster, "start"], timeout=600)
    if started.returncode != 0:
        print(started.stdout[-2000:], started.stderr[-2000:])
        check(False, "the local Slurm did not start")
        check.finish()
    # More ranks than cores: Open MPI must yield while it waits, or srun's ranks (which do not
    # know they oversubscribe the node, unlike mpirun's) spin against each other.
    env = environment(SYMSWEEP_BIN=binary, OMPI_MCA_mpi_yield_when_idle="1")
    try:
        with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
            def spec_file(name, steps):
                path = os.path.join(tmp, name)
                with open(path, "w") as f:
                    f.write(SPEC.format(steps=steps))
                return path

            sbatch = os.path.join(root, "deploy", "slurm", "sweep.sbatch")
            short, long_ = spec_file("short.toml", 3000), spec_file("long.toml", 40000)
            tiny = spec_file("tiny.toml", 400)

            # Reference: the long sweep uninterrupted under mpirun.
            ref = os.path.join(tmp, "ref.db")
            r = sh(["mpirun", "--oversubscribe", "-np", "3", binary, "run", long_, "--db", ref],
                   env=env)
            check(r.returncode == 0, f"reference sweep: {r.stderr[-500:]}")
            expected = rows(ref, RESULTS)

            # 1. sweep.sbatch to the end.
            db = os.path.join(tmp, "a.db")
            r = sh(["sbatch", "--wait", "--ntasks=3", f"--output={tmp}/a.out", sbatch, short, db],
                   env=env, cwd=tmp, timeout=300)
            check(r.returncode == 0, f"sbatch --wait: {r.returncode} {r.stderr[-500:]}")
            check(rows(db, "SELECT count(*), sum(status = 'done') FROM runs") == [(8, 8)],
                  f"sweep.sbatch: {rows(db, 'SELECT status, count(*) FROM runs GROUP BY 1')}")

            # 2. USR1 to the batch shell (what --signal=B:USR1@N sends before the time limit).
            db = os.path.join(tmp, "b.db")
            out = os.path.join(tmp, "b.out")
            r = sh(["sbatch", "--parsable", "--ntasks=3", f"--output={out}", sbatch, long_, db],
                   env=env, cwd=tmp)
            jobid = r.stdout.strip().split(";")[0]
            check(r.returncode == 0 and jobid, f"sbatch: {r.stderr}")
            ckpts = db + ".checkpoints"
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:  # signal once runs are training, checkpointed
                if os.path.isdir(ckpts) and any(f.endswith(".ckpt") for f in os.listdir(ckpts)):
                    break
                time.sleep(0.5)
            sh(["scancel", "--signal=USR1", "--batch", jobid])
            state = wait_job(jobid, 400)
            log = open(out).read() if os.path.exists(out) else ""
            check(state == "COMPLETED", f"job {jobid} ended {state}: {log[-1500:]}")
            check("requeueing job" in log and "restart 1" in log,
                  f"the job did not requeue itself: {log[-1500:]}")
            check(rows(db, RESULTS) == expected,
                  "after the requeue the results differ from the uninterrupted sweep")
            check(rows(db, "SELECT count(*) FROM runs") == [(8,)], "runs are not exactly once")
            reasons = rows(db, "SELECT reason FROM attempts WHERE outcome = 'interrupted'")
            check(len(reasons) >= 1 and all("SIGUSR1" in x for (x,) in reasons),
                  f"interruptions recorded: {reasons}")

            # 3. array.sbatch, then merge.
            outdir = os.path.join(tmp, "parts")
            array = os.path.join(root, "deploy", "slurm", "array.sbatch")
            r = sh(["sbatch", "--wait", "--array=0-2", "--ntasks=2",
                    f"--output={tmp}/arr-%a.out", array, long_, outdir],
                   env=env, cwd=tmp, timeout=600)
            check(r.returncode == 0, f"array: {r.returncode} {r.stderr[-500:]}")
            merged = os.path.join(tmp, "merged.db")
            parts = sorted(os.path.join(outdir, f) for f in os.listdir(outdir) if f.endswith(".db"))
            r = sh([binary, "merge", merged] + parts)
            check(r.returncode == 0 and len(parts) == 3, f"merge: {r.stderr[-500:]}")
            check(rows(merged, RESULTS) == expected, "array + merge differs from one sweep")

            # 4. srun -n 4 and mpirun -np 4 give the same results (one team of 3 ranks).
            dbs = {}
            for name, cmd in (("srun", ["srun", "-n", "4", "--mpi=pmix"]),
                              ("mpirun", ["mpirun", "--oversubscribe", "-np", "4"])):
                dbs[name] = os.path.join(tmp, f"{name}.db")
                r = sh(cmd + [binary, "run", tiny, "--db", dbs[name], "--ranks-per-run", "3"],
                       env=env, timeout=300)
                check(r.returncode == 0, f"{name}: {r.returncode} {r.stderr[-500:]}")
            check(rows(dbs["srun"], RESULTS) == rows(dbs["mpirun"], RESULTS),
                  "srun -n 4 and mpirun -np 4 differ")
            check(rows(dbs["srun"], "SELECT DISTINCT ranks FROM runs") == [(3,)],
                  "runs were not sharded over teams of 3")
    finally:
        sh([cluster, "stop"], timeout=120)
    check.finish()


if __name__ == "__main__":
    main()
