#!/usr/bin/env python3
"""Step time of each published setting (issue 15) under symsweep against its PyTorch reference:
the model as its paper's code writes it (tests/reference/test_published_models.py: nn.Linear
modules without bias, one-hot inputs, its loss, its torch.optim optimiser), at the published
sizes, f32, one thread each (OMP, OpenBLAS and MKL threads set to 1 before torch loads), full
batch, from the same initial weights (symsweep's particles copied in). OPENBLAS_CORETYPE is the
machine's setting, left alone.

- symsweep: `symsweep train --json` at two step counts K1 < K2; the step time is the difference
  of the two runs' wall_seconds over K2 - K1 (the start-up, the measurements at the first and
  last step and the process cancel).
- PyTorch: zero_grad, forward, loss, backward, step, timed over K2 - K1 steps after 3 warm-up
  steps.

Rounds alternate the order of the two tools (the machine is shared and noisy); the table shows
medians over the rounds and their ratio.

    /usr/bin/python3 tests/bench/compare_published.py [BUILD_DIR]     (default: <repo>/build)

Environment: ROUNDS (3), CASES (comma-separated subset of tian,doshi,gromov,cross-entropy).
Exits 0 (77 without torch); non-zero only when a run fails, never on slowness.
"""
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

# One thread each: set before torch (and its OpenBLAS) is loaded.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

here = os.path.dirname(os.path.abspath(__file__))
repo = os.path.dirname(os.path.dirname(here))
sys.path.insert(0, os.path.join(repo, "tests", "reference"))

import test_published_models as pm  # noqa: E402  (exits 77 without torch)
from reference_common import ref, train  # noqa: E402

import torch  # noqa: E402


def with_init_scale(args, scale):
    out = list(args)
    out[out.index("--init-scale") + 1] = repr(scale)
    return out


# The published sizes: Tian's logged run (M 23, K 512, test size 0.1), Doshi et al.'s p = 97
# curve (N 500, sigma = 0.5 / (2N)^(1/3)), Gromov's network at p = 97, N 512 with
# sweeps/examples/gromov.toml's step, and Tian's network with cross-entropy at p = 97.
BENCH = {
    "tian": dict(pm.CASES["tian"], n=23, q=512, f=0.9, k=(200, 1200)),
    "doshi": dict(pm.CASES["doshi"], n=97, q=500, f=0.5, k=(20, 220),
                  args=with_init_scale(pm.CASES["doshi"]["args"], 0.5 / 1000 ** (1 / 3))),
    "gromov": dict(pm.CASES["gromov"], n=97, q=512, f=0.5, lr=1e6, k=(20, 220)),
    "cross-entropy": dict(pm.CASES["cross-entropy"], n=97, q=512, f=0.5, k=(20, 220)),
}
SEED = 0


def symsweep_step(binary, c):
    walls = []
    for k in c["k"]:
        out = train(binary, c["n"], c["q"], c["f"], SEED,
                    pm.symsweep_args(c) + ["--steps", str(k), "--log-every", "0", "--potentials",
                                           "diagonal", "--json"], "f32")
        result = json.loads(out)
        if result["status"] != "done":
            raise RuntimeError(f"symsweep run ended {result['status']}")
        walls.append(result["wall_seconds"])
    return (walls[1] - walls[0]) / (c["k"][1] - c["k"][0]), result["kernels"]


def torch_step(name, c, z):
    forward, loss_fn, opt = pm.reference_model(name, c, z, torch.float32)
    ea, eb, y = pm.data(c["n"], ref.split(c["n"], c["f"], SEED)[0])
    ea, eb = ea.float(), eb.float()

    def step():
        opt.zero_grad()
        loss_fn(forward(ea, eb), y).backward()
        opt.step()

    for _ in range(3):
        step()
    steps = c["k"][1] - c["k"][0]
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - start) / steps


def torch_capability():
    for line in torch.__config__.show().splitlines():
        if "CPU capability usage:" in line:
            return line.split(":", 1)[1].strip()
    return "?"


def cpu_name():
    """The model name with its family and model numbers (the name alone can be as vague as
    "AMD EPYC")."""
    fields = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if not line.strip():
                    break
                key, _, value = line.partition(":")
                fields[key.strip()] = value.strip()
    except OSError:
        pass
    name = fields.get("model name", platform.processor() or "unknown")
    return f"{name} (family {fields.get('cpu family', '?')}, model {fields.get('model', '?')})"


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(repo, "build")
    binary = os.path.join(build, "sweeps", "symsweep")
    if not os.access(binary, os.X_OK):
        print(f"compare_published.py: {binary} not found: build it first", file=sys.stderr)
        return 2
    rounds = int(os.environ.get("ROUNDS", "3"))
    names = [s for s in os.environ.get("CASES", ",".join(BENCH)).split(",") if s]
    unknown = [s for s in names if s not in BENCH]
    if unknown:
        print(f"compare_published.py: unknown case(s) {unknown}; known: {list(BENCH)}",
              file=sys.stderr)
        return 2
    torch.set_num_threads(1)
    times = {name: {"symsweep": [], "torch": []} for name in names}
    kernels = "?"
    with tempfile.TemporaryDirectory() as tmp:
        inits = {name: pm.initial_particles(binary, BENCH[name], BENCH[name]["f"], SEED,
                                            os.path.join(tmp, name + ".npy"), "f32")
                 for name in names}
        for r in range(rounds):
            for name in names:
                c = BENCH[name]
                order = ("symsweep", "torch") if r % 2 == 0 else ("torch", "symsweep")
                for tool in order:
                    if tool == "symsweep":
                        t, kernels = symsweep_step(binary, c)
                    else:
                        t = torch_step(name, c, inits[name])
                    times[name][tool].append(t)
                print(f"round {r + 1}/{rounds} {name}: symsweep {times[name]['symsweep'][-1] * 1e3:.3f}"
                      f" ms, torch {times[name]['torch'][-1] * 1e3:.3f} ms", file=sys.stderr,
                      flush=True)
    print(f"CPU: {cpu_name()}; symsweep kernels {kernels}; torch {torch.__version__} "
          f"({torch_capability()}); one thread each; f32; medians of "
          f"{rounds} rounds")
    print()
    print("| setting | shape (n, width, f) | symsweep ms/step | PyTorch ms/step | PyTorch / symsweep |")
    print("|---|---|---|---|---|")
    for name in names:
        c = BENCH[name]
        s = statistics.median(times[name]["symsweep"])
        t = statistics.median(times[name]["torch"])
        print(f"| {name} | {c['n']}, {c['q']}, {c['f']} | {s * 1e3:.3f} | {t * 1e3:.3f} | "
              f"{t / s:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
