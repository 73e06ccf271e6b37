#!/usr/bin/env python3
"""`symsweep eval` on saved networks (docs/particles.md), against the training run that saved
them: trained on every pair (f = 1, f64), the run's final train loss and accuracy are those of
all pairs, so eval must give the same numbers and the same MPs:

- the default setting (mean-field, centred MSE) on Z_7 and a non-abelian group (S_3: irreps);
- a published setting (standard parametrization, mse) with its flags;
- the same particles read under the wrong loss give another loss (the flags matter);
- bad input (wrong shape for the group, a missing file, an unknown loss) exits 2 naming it.

    test_eval.py SYMSWEEP_BIN
"""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweeplib import Checks, run_cli as run  # noqa: E402





def close(a, b, tol=1e-12):
    return abs(a - b) <= tol * max(1.0, abs(b))


def main():
    check = Checks()
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        cases = [("cyclic:7", []), ("symmetric:3", []),
                 ("cyclic:7", ["--parametrization", "standard", "--loss", "mse"])]
        for group, flags in cases:
            z = os.path.join(tmp, "z.npy")
            p = run(binary, "train", "--group", group, "--width", "24", "--steps", "150",
                    "--data-fraction", "1", "--precision", "f64", "--log-every", "0", "--json",
                    "--save-particles", z, *(flags + (["--init", "torch-default", "--optimizer",
                                                       "adam", "--lr", "0.01", "--weight-decay",
                                                       "1e-4"] if flags else [])))
            if p.returncode != 0:
                check(False, f"train {group} {flags}: {p.stderr.strip()}")
                continue
            t = json.loads(p.stdout)
            p = run(binary, "eval", "--group", group, "--particles", z, "--json", *flags)
            if p.returncode != 0:
                check(False, f"eval {group} {flags}: {p.stderr.strip()}")
                continue
            e = json.loads(p.stdout)
            same = close(e["loss"], t["train_loss"]) and e["accuracy"] == t["train_acc"] and \
                close(e["effective_dim"], t["effective_dim"])
            if t["rho_kkk"] is not None:
                same &= all(close(a[0], b[0]) and close(a[1], b[1])
                            for a, b in zip(e["rho_kkk"], t["rho_kkk"]))
            if t["irreps"] is not None:
                same &= len(e["irreps"]) == len(t["irreps"]) and all(
                    close(a["rho"], b["rho"]) for a, b in zip(e["irreps"], t["irreps"]))
            check(same and e["pairs"] == e["order"] ** 2 and e["width"] == 24,
                  f"{group} {' '.join(flags) or 'defaults'}: eval's loss {e['loss']:.6g}, "
                  f"accuracy {e['accuracy']:.4f} and MPs are the run's")
            if flags:
                other = json.loads(run(binary, "eval", "--group", group, "--particles", z,
                                       "--json", "--parametrization", "standard", "--loss",
                                       "cross-entropy").stdout)
                check(not close(other["loss"], e["loss"], 1e-6),
                      f"under another loss the same network scores {other['loss']:.4g}")
        z = os.path.join(tmp, "z.npy")
        bad = [(["--group", "cyclic:5", "--particles", z], "3n = 15"),
               (["--group", "cyclic:7", "--particles", os.path.join(tmp, "none.npy")],
                "none.npy"),
               (["--group", "cyclic:7", "--particles", z, "--loss", "l1"], "l1")]
        for args, named in bad:
            p = run(binary, "eval", *args)
            check(p.returncode == 2 and named in p.stderr and not p.stdout,
                  f"eval {' '.join(args[-2:])}: exit 2 naming {named!r}")
    check.finish()


if __name__ == "__main__":
    sys.exit(main())
