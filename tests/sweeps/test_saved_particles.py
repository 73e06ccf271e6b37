#!/usr/bin/env python3
"""Saved particles of a sweep ([sweep] save_particles = true, docs/particles.md), end to end
with the real binary, a real SQLite file and a real mpirun:

- every run that ends done names its file in runs.particles, the file is in DB.particles/ and
  is byte for byte what `symsweep train --save-particles` writes for the same run;
- a team of two ranks (mpirun, np 3) saves the same network (to f32 rounding);
- `show` names the file (table and JSON); without the key no directory and no names;
- `merge` copies the files beside its output, and reports a file an input names but lacks;
- a file that cannot be written fails only its run (with the reason), and a retry writes it;
- a bad value is refused with the key named.

    test_saved_particles.py SYMSWEEP_BIN     (Debian's python3 with numpy)
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

SPEC = """[sweep]
name = "sp"
seeds = 2
{extra}
[grid]
group = ["cyclic:5"]
data_fraction = [0.5, 0.8]
[train]
width = 8
steps = 30
log_every = 10
"""

failures = []


def check(ok, what):
    print(f"{'ok  ' if ok else 'FAIL'} {what}", flush=True)
    if not ok:
        failures.append(what)


def run(*cmd, ok=True):
    p = subprocess.run(list(cmd), capture_output=True, text=True, timeout=300)
    if ok and p.returncode != 0:
        raise RuntimeError(f"{cmd} exited {p.returncode}: {p.stderr}")
    return p


def rows(binary, db):
    out = run(binary, "sql", "--db", db, "--format", "json",
              "SELECT id, seed, data_fraction, status, particles FROM runs ORDER BY id").stdout
    return json.loads(out)


def main():
    binary = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        with open("s.toml", "w") as f:
            f.write(SPEC.format(extra="save_particles = true"))
        run(binary, "run", "s.toml", "--db", "a.db")
        a = rows(binary, "a.db")
        check(len(a) == 4 and all(r["status"] == "done" for r in a), "four runs done")
        same = True
        for r in a:
            path = os.path.join("a.db.particles", r["particles"] or "")
            if not r["particles"] or not os.path.isfile(path):
                same = False
                continue
            run(binary, "train", "--group", "cyclic:5", "--width", "8", "--steps", "30",
                "--log-every", "10", "--data-fraction", str(r["data_fraction"]), "--seed",
                str(r["seed"]), "--save-particles", "t.npy")
            same &= open(path, "rb").read() == open("t.npy", "rb").read()
        check(same, "each done run's file is in a.db.particles/ and equals train --save-particles")
        check(sorted(os.listdir("a.db.particles")) == sorted(r["particles"] for r in a),
              "the directory holds exactly the named files (no temporaries left)")

        show = run(binary, "show", "--db", "a.db", str(a[0]["id"])).stdout
        full = os.path.realpath(os.path.join("a.db.particles", a[0]["particles"]))
        check(full in show, "show names the particles file by its path")
        j = json.loads(run(binary, "show", "--db", "a.db", str(a[0]["id"]), "--format",
                           "json").stdout)
        check(j["final"].get("particles") == full, "show --format json: final.particles")

        env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
                   OMPI_MCA_rmaps_base_oversubscribe="1")
        p = subprocess.run([binary, "run", "s.toml", "--db", "b.db", "--np", "3",
                            "--ranks-per-run", "2"], capture_output=True, text=True, env=env,
                           timeout=300, start_new_session=True)
        check(p.returncode == 0, f"np 3, a team of 2 ranks: exit {p.returncode}" +
              ("" if p.returncode == 0 else ": " + p.stderr[-300:]))
        b = rows(binary, "b.db")
        close = len(b) == 4
        for rb in b:
            ra = next(r for r in a if r["seed"] == rb["seed"] and
                      r["data_fraction"] == rb["data_fraction"])
            if not rb["particles"]:
                close = False
                continue
            za = np.load(os.path.join("a.db.particles", ra["particles"]))
            zb = np.load(os.path.join("b.db.particles", rb["particles"]))
            close &= za.shape == zb.shape == (8, 15) and np.abs(za - zb).max() <= 1e-5 * (
                1 + np.abs(za).max())
        check(close, "a team of two saves the same networks (q x 3n, within f32 rounding)")

        with open("n.toml", "w") as f:
            f.write(SPEC.format(extra=""))
        run(binary, "run", "n.toml", "--db", "n.db")
        check(not os.path.exists("n.db.particles") and
              all(r["particles"] is None for r in rows(binary, "n.db")),
              "without save_particles: no directory, no names")

        out = run(binary, "merge", "m.db", "a.db").stdout
        m = rows(binary, "m.db")
        copied = all(r["particles"] and open(os.path.join("m.db.particles", r["particles"]),
                                                "rb").read() ==
                     open(os.path.join("a.db.particles", r["particles"]), "rb").read() for r in m)
        check(len(m) == 4 and copied and "4 particle files copied" in out,
              "merge copies every file beside its output, byte for byte")
        lost = a[1]["particles"]
        os.remove(os.path.join("a.db.particles", lost))
        p = run(binary, "merge", "m2.db", "a.db")
        m2 = rows(binary, "m2.db")
        check(lost in p.stderr and sum(r["particles"] is None for r in m2) == 1 and
              all(os.path.isfile(os.path.join("m2.db.particles", r["particles"]))
                  for r in m2 if r["particles"]),
              "merge reports a file its input lacks, leaves that run without, copies the rest")

        # A file that cannot be written fails its run, named and unnamed in the row; the other
        # runs go on, and a retry writes it. The run's temporary file is made a directory.
        blocked = a[2]["particles"]
        os.makedirs(os.path.join("c.db.particles", blocked + ".tmp"))
        p = run(binary, "run", "s.toml", "--db", "c.db", ok=False)
        c = rows(binary, "c.db")
        failed = [r for r in c if r["status"] == "failed"]
        err = json.loads(run(binary, "sql", "--db", "c.db", "--format", "json",
                             "SELECT error FROM runs WHERE status = 'failed'").stdout)
        check(len(failed) == 1 and failed[0]["particles"] is None and
              sum(r["status"] == "done" and r["particles"] is not None for r in c) == 3 and
              "could not be saved" in (err[0]["error"] if err else "") and
              not os.path.exists(os.path.join("c.db.particles", blocked)),
              "an unwritable file fails only its run, with the reason, and names nothing")
        os.rmdir(os.path.join("c.db.particles", blocked + ".tmp"))
        run(binary, "run", "s.toml", "--db", "c.db", "--retry", "failed")
        c = rows(binary, "c.db")
        check(all(r["status"] == "done" and r["particles"] for r in c) and
              open(os.path.join("c.db.particles", blocked), "rb").read() ==
              open(os.path.join("a.db.particles", blocked), "rb").read(),
              "--retry failed trains it again and writes its file")

        with open("bad.toml", "w") as f:
            f.write(SPEC.format(extra='save_particles = "yes"'))
        p = run(binary, "run", "bad.toml", "--db", "bad.db", ok=False)
        check(p.returncode != 0 and "[sweep] save_particles" in p.stderr and
              not os.path.exists("bad.db"), "a bad value is refused, naming the key, before "
              "anything is written")
    print(f"{'FAILED' if failures else 'passed'}: {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
