#!/usr/bin/env python3
"""spectrum_every (docs/model.md, "The Hessian spectrum") through train and a sweep:

- train --spectrum-every 10 on Z_5 (every pair, f64, 20 steps logged every 5): the steps 0, 10
  and 20 carry hessian_negative, hessian_large, hessian_max and hessian_min, the steps 5 and 15
  none; counts are integers in [0, spectrum_k], max >= min; the whole spectrum's estimates are
  there too, within [0, 3nq];
- the same run as a sweep stores those values in `metrics`, equal to train's (1e-12);
- `report` draws them in a row of the run's figure, from a data file of their own whose every
  column the plots read exists;
- spectrum_every = -1 and spectrum_k = 0 are refused (exit 2, naming the setting).

    test_spectrum.py SYMSWEEP_BIN
"""
import json
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweeplib import Checks, run_cli as run  # noqa: E402

KEYS = ["hessian_negative", "hessian_large", "hessian_max", "hessian_min"]
# The whole spectrum's estimates (stochastic Lanczos quadrature) at the same steps.
EST = ["hessian_negative_est", "hessian_negative_se", "hessian_large_est", "hessian_large_se",
       "hessian_eff_dim"]
DIM = 3 * 5 * 6  # 3 n q of the runs below


def used_columns(gp_text, data_file):
    """The column numbers that the plot commands of gp_text read from data_file."""
    cols = []
    for clause in gp_text.split('"' + data_file + '"')[1:]:
        spec = clause.split("using", 1)[1].split(" with")[0] if "using" in clause else ""
        cols += [int(c) for c in re.findall(r"column\((\d+)\)", spec)]
        cols += [int(c) for c in re.findall(r"(?:^|:)\s*(\d+)\s*(?=:|$)", spec.strip())]
    return cols




def main():
    check = Checks()
    binary = sys.argv[1]
    flags = ["--group", "cyclic:5", "--width", "6", "--data-fraction", "1", "--steps", "20",
             "--log-every", "5", "--precision", "f64", "--seed", "3"]
    p = run(binary, "train", *flags, "--spectrum-every", "10", "--spectrum-k", "4", "--json")
    if p.returncode != 0:
        check(False, f"train --spectrum-every: {p.stderr.strip()}")
        check.finish()
    log = {m["step"]: m for m in json.loads(p.stdout)["log"]}
    check(sorted(log) == [0, 5, 10, 15, 20], f"logged steps {sorted(log)}")
    measured = [s for s, m in log.items() if m["hessian_max"] is not None]
    check(measured == [0, 10, 20], f"the spectrum is measured at steps {measured}")
    check(all(all(log[s][k] is None for k in KEYS) for s in (5, 15)),
          "the other logged steps have no spectrum (null, not zero)")
    ok = all(float(log[s][k]).is_integer() and 0 <= log[s][k] <= 4
             for s in measured for k in KEYS[:2]) and \
        all(log[s]["hessian_max"] >= log[s]["hessian_min"] for s in measured)
    check(ok, "counts are integers in [0, spectrum_k] and max >= min")
    est = all(all(log[s][k] is not None for k in EST) for s in measured) and \
        all(all(log[s][k] is None for k in EST) for s in (5, 15))
    check(est, "the whole spectrum's estimates are at the measured steps only")
    if est:
        sane = all(0 <= log[s]["hessian_negative_est"] and 0 <= log[s]["hessian_large_est"] and
                   log[s]["hessian_negative_est"] + log[s]["hessian_large_est"] <= DIM + 1e-6 and
                   0 < log[s]["hessian_eff_dim"] <= DIM and
                   log[s]["hessian_negative_se"] >= 0 and log[s]["hessian_large_se"] >= 0
                   for s in measured)
        check(sane, f"estimated counts and effective dimension lie in [0, 3nq = {DIM}]")

    with tempfile.TemporaryDirectory() as tmp:
        spec = os.path.join(tmp, "s.toml")
        with open(spec, "w") as f:
            f.write('[sweep]\nname = "spectrum"\nseeds = 1\n[grid]\ngroup = ["cyclic:5"]\n'
                    'data_fraction = [1.0]\n[train]\nwidth = 6\nsteps = 20\nlog_every = 5\n'
                    'precision = "f64"\nspectrum_every = 10\nspectrum_k = 4\n')
        db = os.path.join(tmp, "s.db")
        # The sweep's seed 0 is train's --seed 0.
        p0 = run(binary, "train", *flags[:-2], "--seed", "0", "--spectrum-every", "10",
                 "--spectrum-k", "4", "--json")
        p = run(binary, "run", spec, "--db", db)
        check(p.returncode == 0 and p0.returncode == 0, f"the sweep ran {p.stderr.strip()}")
        if p.returncode == 0 and p0.returncode == 0:
            want = {m["step"]: m for m in json.loads(p0.stdout)["log"]}
            rows = json.loads(run(binary, "sql", "--db", db, "--format", "json",
                                  "SELECT step, " + ", ".join(KEYS + EST) +
                                  " FROM metrics ORDER BY step").stdout)
            same = len(rows) == 5 and all(
                (r[k] is None and want[r["step"]][k] is None) or
                (r[k] is not None and want[r["step"]][k] is not None and
                 abs(r[k] - want[r["step"]][k]) <= 1e-12 * max(1.0, abs(want[r["step"]][k])))
                for r in rows for k in KEYS + EST)
            check(same, "the sweep's metrics rows hold train's spectrum values")
            # The report draws them: the run's figure has a Hessian row and its data file.
            out = os.path.join(tmp, "report")
            p = run(binary, "report", "--db", db, "--out", out)
            gp = [f for f in os.listdir(out) if f.startswith("run-") and f.endswith(".gp")] \
                if p.returncode == 0 else []
            text = open(os.path.join(out, gp[0])).read() if gp else ""
            check("ends of the loss Hessian's spectrum" in text and
                  any(f.endswith("-hessian.dat") for f in os.listdir(out)),
                  f"report: the run's figure draws the spectrum {p.stderr.strip()[-200:]}")
            dat = [f for f in os.listdir(out) if f.endswith("-hessian.dat")]
            if gp and dat:
                header = [ln for ln in open(os.path.join(out, dat[0])) if ln.startswith("# columns:")]
                ncols = len(header[0].split(":", 1)[1].split()) if header else 0
                rows = [ln.split() for ln in open(os.path.join(out, dat[0]))
                        if not ln.startswith("#")]
                cols = used_columns(text, dat[0])
                check(ncols == 10 and all(len(r) == ncols for r in rows) and cols and
                      max(cols) <= ncols and "whole spectrum" in text,
                      f"the spectrum's plots read columns {sorted(set(cols))} of the "
                      f"{ncols} in {dat[0]}")
        for line, named in (("spectrum_every = -1", "spectrum_every"),
                            ("spectrum_k = 0", "spectrum_k")):
            with open(spec, "w") as f:
                f.write('[sweep]\nname = "bad"\n[grid]\ngroup = ["cyclic:5"]\n'
                        f'data_fraction = [0.5]\n[train]\n{line}\n')
            p = run(binary, "run", spec, "--check")
            check(p.returncode == 2 and named in p.stderr, f"{line}: exit 2 naming {named}")
    check.finish()


if __name__ == "__main__":
    sys.exit(main())
