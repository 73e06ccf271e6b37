#!/usr/bin/env python3
"""sweeps/examples/refine_grid.py on a real coarse sweep: a tiny sweep is run and fitted, the
fine spec is written, and it must be a valid spec whose [[grid]] blocks are the coarse cells,
each fraction range covering every critical-fraction interval `fit` stored for the cell (and
reaching 1 where f* is beyond the grid); the fine sweep then runs, and its runs carry exactly
the planned fractions. Bad input (no fits, an unknown group) fails with exit 2.

usage: test_refine_grid.py SYMSWEEP_BINARY
"""
import math
import os
import sqlite3
import subprocess
import sys
import tempfile
import tomllib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweeplib import Checks, environment  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REFINE = os.path.join(HERE, "..", "..", "sweeps", "examples", "refine_grid.py")
COARSE = """
[sweep]
name = "coarse"
seeds = 2
[grid]
group = ["cyclic:6", "cyclic:8"]
augment = ["none", "order:2"]
width = [64]
data_fraction = {logspace = [0.15, 0.9, 5]}
[train]
steps = 400
lr = 1e-2
log_every = 0
"""


def main():
    binary = sys.argv[1]
    env = environment()
    check = Checks()
    with tempfile.TemporaryDirectory() as tmp:
        spec, db = os.path.join(tmp, "coarse.toml"), os.path.join(tmp, "coarse.db")
        with open(spec, "w") as f:
            f.write(COARSE)

        def refine(*extra):
            return subprocess.run(["/usr/bin/python3", REFINE, db, "--sweep", "coarse", "--spec",
                                   spec, "--name", "fine", "--seeds", "3", "--points", "4",
                                   *extra], capture_output=True, text=True, env=env)

        subprocess.run([binary, "run", spec, "--db", db], check=True, env=env,
                       capture_output=True)
        p = refine()
        check(p.returncode == 2 and "symsweep fit" in p.stderr,
              f"refining before any fit: exit {p.returncode}, {p.stderr.strip()}")
        subprocess.run([binary, "fit", "--db", db], check=True, env=env, capture_output=True)

        p = refine("--widen", "1.1")
        check(p.returncode == 0, f"refine exit {p.returncode}: {p.stderr}")
        fine = os.path.join(tmp, "fine.toml")
        with open(fine, "w") as f:
            f.write(p.stdout)
        parsed = tomllib.loads(p.stdout)
        blocks = parsed.get("grid", [])
        check(isinstance(blocks, list) and len(blocks) == 4, f"{len(blocks)} blocks, expected 4")
        check(parsed["sweep"]["name"] == "fine" and parsed["sweep"]["seeds"] == 3,
              f"[sweep] {parsed['sweep']}")
        check(parsed["train"] == tomllib.loads(COARSE)["train"], "[train] copied unchanged")

        con = sqlite3.connect(db)
        stored = con.execute("SELECT group_spec, augment, low, high, censoring "
                             "FROM critical_fractions WHERE sweep = 'coarse'").fetchall()
        top = con.execute("SELECT max(data_fraction) FROM runs").fetchone()[0]
        con.close()
        ranges = {}
        for b in blocks:
            check(b["width"] == [64], f"block keeps the width axis: {b}")
            lo, hi, k = b["data_fraction"]["logspace"]
            check(k == 4, "4 points per block")
            ranges[(b["group"][0], b["augment"][0])] = (lo, hi)
        cells = {(g, a) for g, a, *_ in stored}
        check(set(ranges) == cells, f"blocks {sorted(ranges)} != cells {sorted(cells)}")
        for g, a, low, high, censoring in stored:
            lo, hi = ranges.get((g, a), (math.nan, math.nan))
            if censoring == "right" or high is None:
                check(hi == 1.0, f"{g} {a}: f* beyond the grid, range ends at {hi}, not 1")
                check(lo <= top / 1.1 * 1.000001, f"{g} {a}: range starts above the grid's top")
            else:
                check(lo <= low / 1.1 * 1.000001 and hi >= min(1.0, high * 1.1) * 0.999999,
                      f"{g} {a}: [{lo}, {hi}] does not cover [{low}, {high}] widened 1.1")

        c = subprocess.run([binary, "run", fine, "--db", db], env=env, capture_output=True,
                           text=True)
        check(c.returncode == 0, f"the fine sweep: exit {c.returncode}: {c.stderr[-400:]}")
        con = sqlite3.connect(db)
        got = {}
        for g, a, f in con.execute(
                "SELECT r.group_spec, r.augment, r.data_fraction FROM runs r JOIN sweep_runs l "
                "ON l.run_id = r.id JOIN sweeps s ON s.id = l.sweep_id WHERE s.name = 'fine' "
                "AND r.status = 'done'"):
            got.setdefault((g, a), set()).add(f)
        con.close()
        for cell, (lo, hi) in ranges.items():
            want = {lo * (hi / lo) ** (i / 3) for i in range(4)}
            have = got.get(cell, set())
            check(len(have) == 4 and all(any(abs(h - w) < 1e-9 * w for h in have) for w in want),
                  f"{cell}: fine fractions {sorted(have)} != planned {sorted(want)}")

        p = refine("--groups", "cyclic:9")
        check(p.returncode == 2 and "cyclic:9" in p.stderr, f"unknown group: {p.stderr.strip()}")
        p = refine("--groups", "cyclic:8")
        check(p.returncode == 0 and len(tomllib.loads(p.stdout)["grid"]) == 2,
              "--groups keeps only that group's cells")
    check.finish()


if __name__ == "__main__":
    main()
