#!/usr/bin/env python3
"""`symsweep compose` (docs/measure-algebra.md) against numpy, on networks a sweep saved.

A sweep on Z_7 (every pair, f64, save_particles) trains two networks on partial tasks
(target_frequencies "1" and "2-3"); then, with the networks read as DB:RUN:

- sum: the result's outputs are the sum of the operands' outputs, computed here with numpy;
- product: the result's Fourier coordinates (numpy's FFT of each weight block) are the products
  of the operands', pair by pair (row i * |B| + j);
- scale by c: outputs times c; product with `one`: the same outputs; sum with `zero`: the same;
- absorb: a weighted particle set's outputs sum_j m_j w_c (w_a + w_b)^2;
- homomorphism_error of sum, product and scale below 1e-12, and eval's report of the result;
- refusals, exit 2 naming what was wrong: product on a non-abelian group (S_3), an unknown
  operation, a wrong operand count, a run that does not exist, --out in a missing directory, a
  target_frequencies index outside the group and a partial target with cross-entropy.

    test_compose.py SYMSWEEP_BIN
"""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweeplib import Checks, run_cli as run  # noqa: E402

import numpy as np

N = 7




def outputs(z, m=None):
    """o[a1, a2, c] = sum_j m_j w_c[c] (w_a[a1] + w_b[a2])^2, m_j = 1/q by default."""
    wa, wb, wc = z[:, :N], z[:, N:2 * N], z[:, 2 * N:]
    if m is None:
        m = np.full(len(z), 1.0 / len(z))
    h = (wa[:, :, None] + wb[:, None, :]) ** 2  # q x a1 x a2
    return np.einsum("j,jc,jxy->xyc", m, wc, h)


def fourier(z):
    """Each block's coordinates as docs/potentials.md: w_a conj(X)/n, w_b likewise, w_c X/n."""
    a = np.fft.fft(z[:, :N], axis=1) / N
    b = np.fft.fft(z[:, N:2 * N], axis=1) / N
    c = np.fft.ifft(z[:, 2 * N:], axis=1)  # sum_x w[x] e^{+2 pi i k x / n} / n
    return np.concatenate([a, b, c], axis=1)


def rel(x, y):
    return np.abs(x - y).max() / max(np.abs(y).max(), 1e-300)


def main():
    check = Checks()
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        spec = os.path.join(tmp, "halves.toml")
        with open(spec, "w") as f:
            f.write('[sweep]\nname = "halves"\nseeds = 1\nsave_particles = true\n'
                    '[grid]\ngroup = ["cyclic:7"]\nwidth = [12]\ndata_fraction = [1.0]\n'
                    'target_frequencies = ["1", "2-3"]\n'
                    '[train]\nsteps = 100\nprecision = "f64"\nlog_every = 0\n')
        db = os.path.join(tmp, "h.db")
        p = run(binary, "run", spec, "--db", db)
        if p.returncode != 0:
            check(False, f"the sweep ran: {p.stderr.strip()}")
            check.finish()
        rows = json.loads(run(binary, "sql", "--db", db, "--format", "json",
                              "SELECT id, target_frequencies, particles FROM runs "
                              "ORDER BY id").stdout)
        check(len(rows) == 2 and all(r["particles"] for r in rows),
              "the sweep kept both partial networks")
        files = [os.path.join(db + ".particles", r["particles"]) for r in rows]
        shown = json.loads(run(binary, "show", "--db", db, str(rows[0]["id"]), "--format",
                               "json").stdout)
        check(shown["config"].get("target_frequencies") == rows[0]["target_frequencies"] and
              "beta1" in shown["config"] and "target_frequencies" not in shown["final"],
              "show lists every setting, target_frequencies included, under config")
        A, B = (np.load(f) for f in files)
        ops = [f"{db}:{r['id']}" for r in rows]

        def compose(*args):
            out = os.path.join(tmp, "c.npy")
            p = run(binary, "compose", *args, "--group", "cyclic:7", "--out", out, "--json")
            if p.returncode != 0:
                check(False, f"compose {' '.join(map(str, args))}: {p.stderr.strip()}")
                return None, None
            return np.load(out), json.loads(p.stdout)

        C, j = compose("sum", *ops)
        if C is not None:
            check(C.shape == (24, 3 * N) and rel(outputs(C), outputs(A) + outputs(B)) < 1e-12,
                  f"sum: 24 particles whose outputs are the sum of the operands' "
                  f"({rel(outputs(C), outputs(A) + outputs(B)):.1e})")
            check(j["homomorphism_error"] < 1e-12 and j["width"] == 24 and j["op"] == "sum",
                  f"sum: homomorphism_error {j['homomorphism_error']:.1e}")
            e = json.loads(run(binary, "eval", "--group", "cyclic:7", "--particles",
                               os.path.join(tmp, "c.npy"), "--json").stdout)
            check(abs(e["loss"] - j["loss"]) <= 1e-12 * max(1, abs(e["loss"])) and
                  e["accuracy"] == j["accuracy"], "sum: the report is eval's on the result")

        C, j = compose("product", *ops)
        if C is not None:
            # Undo the absorption (every weight 1/144 -> 1/12 * 1/12: the same, factor 1).
            fa, fb, fc = fourier(A), fourier(B), fourier(C)
            want = (fa[:, None, :] * fb[None, :, :]).reshape(-1, 3 * N)
            check(C.shape == (144, 3 * N) and rel(fc, want) < 1e-12,
                  f"product: Fourier coordinates of row i*|B|+j are the products "
                  f"({rel(fc, want):.1e})")
            check(j["homomorphism_error"] < 1e-12,
                  f"product: homomorphism_error {j['homomorphism_error']:.1e}")

        C, j = compose("scale", ops[0], "-2.5")
        if C is not None:
            check(rel(outputs(C), -2.5 * outputs(A)) < 1e-12 and j["homomorphism_error"] < 1e-12,
                  "scale -2.5: outputs times -2.5")

        one = os.path.join(tmp, "one.npy")
        zero = os.path.join(tmp, "zero.npy")
        p1 = run(binary, "compose", "one", "--group", "cyclic:7", "--out", one)
        p0 = run(binary, "compose", "zero", "--group", "cyclic:7", "--out", zero)
        check(p1.returncode == 0 and p0.returncode == 0, "one and zero are written")
        O, Z = np.load(one), np.load(zero)
        check(O.shape == (1, 3 * N) and np.allclose(fourier(O), 1.0, atol=1e-14, rtol=0),
              "one: a single particle whose Fourier coordinates are all 1")
        check(Z.shape == (1, 3 * N) and not Z.any(), "zero: one zero particle")
        C, _ = compose("product", ops[0], one)
        if C is not None:
            check(rel(outputs(C), outputs(A)) < 1e-12, "A * one has A's outputs")
        C, _ = compose("sum", ops[0], zero)
        if C is not None:
            check(rel(outputs(C), outputs(A)) < 1e-12, "A + zero has A's outputs")

        rng = np.random.default_rng(5)
        W = np.concatenate([rng.normal(size=(5, 3 * N)), rng.uniform(0.1, 2, (5, 1))], axis=1)
        wfile = os.path.join(tmp, "w.npy")
        np.save(wfile, W)
        C, j = compose("absorb", wfile)
        if C is not None:
            want = outputs(W[:, :3 * N], W[:, 3 * N])
            check(C.shape == (5, 3 * N) and rel(outputs(C), want) < 1e-12 and
                  j["homomorphism_error"] < 1e-12,
                  "absorb: the plain network has the weighted set's outputs and MPs")

        # S_3 networks for the non-abelian refusal.
        s3 = os.path.join(tmp, "s3.npy")
        run(binary, "train", "--group", "symmetric:3", "--width", "4", "--steps", "2",
            "--save-particles", s3)
        bad = [(["product", s3, s3, "--group", "symmetric:3"], "not abelian"),
               (["divide", ops[0], ops[1], "--group", "cyclic:7"], "divide"),
               (["sum", ops[0], "--group", "cyclic:7"], "two networks"),
               (["scale", ops[0], "two", "--group", "cyclic:7"], "\"two\""),
               (["sum", ops[0], f"{db}:99", "--group", "cyclic:7"], "99"),
               (["sum", ops[0], ops[1], "--group", "cyclic:5"], "3n = 15")]
        for args, named in bad:
            p = run(binary, "compose", *args, "--out", os.path.join(tmp, "bad.npy"))
            check(p.returncode == 2 and named in p.stderr and
                  not os.path.exists(os.path.join(tmp, "bad.npy")),
                  f"compose {' '.join(args[:1])} ...: exit 2 naming {named!r}")
        p = run(binary, "compose", "sum", *ops, "--group", "cyclic:7", "--out",
                os.path.join(tmp, "missing", "c.npy"))
        check(p.returncode == 2 and "missing" in p.stderr, "--out in a missing directory: exit 2")

        for line, named in (('target_frequencies = ["9"]', "below the group order 7"),
                            ('target_frequencies = ["1"]\nloss = "cross-entropy"', "mse")):
            bad_spec = os.path.join(tmp, "bad.toml")
            with open(bad_spec, "w") as f:
                f.write('[sweep]\nname = "bad"\n[grid]\ngroup = ["cyclic:7"]\n'
                        f'data_fraction = [0.5]\n{line}\n')
            p = run(binary, "run", bad_spec, "--check")
            check(p.returncode == 2 and named in p.stderr and "target_frequencies" in p.stderr,
                  f"spec {line.splitlines()[-1]}: refused naming {named!r}")
    check.finish()


if __name__ == "__main__":
    sys.exit(main())
