#!/usr/bin/env python3
"""Composes the half-frequency networks of sweeps/examples/compose.toml and compares them.

For every seed of the sweep's database: the network trained on frequencies 1-5 (A), the one on
6-11 (B), their measure sum A + B (`symsweep compose sum`) and the network trained on the whole
task (F), each evaluated by `symsweep eval` on all n^2 pairs against the whole task. Prints one
Markdown row per seed and network, then the means.

    python3 sweeps/examples/compose_halves.py --db compose.db [--symsweep build/sweeps/symsweep]
"""
import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile


def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True, help="the database of sweeps/examples/compose.toml")
    ap.add_argument("--symsweep", default="build/sweeps/symsweep")
    args = ap.parse_args()
    if not os.path.exists(args.db):
        sys.exit(f"compose_halves: --db {args.db}: no such file")
    db = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    rows = db.execute(
        "SELECT id, seed, target_frequencies, group_spec, test_acc FROM runs "
        "WHERE status = 'done' AND particles IS NOT NULL ORDER BY seed, id").fetchall()
    by_seed = {}
    for run_id, seed, freqs, group, test_acc in rows:
        by_seed.setdefault(seed, {})[freqs] = (run_id, group, test_acc)
    metrics = ["accuracy", "loss", "binary_gap", "max_offtarget_mp"]
    print("| seed | network | width | test acc (own run) | accuracy, all pairs | loss, all pairs "
          "| binary gap | max off-target MP | homomorphism error |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    sums = {}
    with tempfile.TemporaryDirectory() as tmp:
        for seed, runs in sorted(by_seed.items()):
            if not {"1-5", "6-11", ""} <= runs.keys():
                print(f"seed {seed}: not every network is done; skipped", file=sys.stderr)
                continue
            group = runs[""][1]
            out = os.path.join(tmp, f"sum{seed}.npy")
            table = {}
            for name, freqs in (("A: 1-5", "1-5"), ("B: 6-11", "6-11"), ("F: whole task", "")):
                table[name] = run_json([args.symsweep, "eval", "--group", group, "--particles",
                                        f"{args.db}:{runs[freqs][0]}", "--json"])
                table[name]["own_test_acc"] = runs[freqs][2]
            table["A + B"] = run_json([args.symsweep, "compose", "sum",
                                       f"{args.db}:{runs['1-5'][0]}",
                                       f"{args.db}:{runs['6-11'][0]}", "--group", group,
                                       "--out", out, "--json"])
            for name in ("A: 1-5", "B: 6-11", "A + B", "F: whole task"):
                j = table[name]
                own = j.get("own_test_acc")
                err = j.get("homomorphism_error")
                print(f"| {seed} | {name} | {j['width']} | "
                      f"{'' if own is None else f'{own:.3f}'} | "
                      + " | ".join(f"{j[m]:.4g}" for m in metrics)
                      + f" | {'' if err is None else f'{err:.1e}'} |")
                sums.setdefault(name, []).append(j)
    print()
    print("| network | seeds | mean accuracy, all pairs | mean loss | mean binary gap |")
    print("| --- | --- | --- | --- | --- |")
    for name, js in sums.items():
        mean = lambda m: sum(j[m] for j in js) / len(js)
        print(f"| {name} | {len(js)} | {mean('accuracy'):.4f} | {mean('loss'):.4g} | "
              f"{mean('binary_gap'):.3g} |")


if __name__ == "__main__":
    main()
