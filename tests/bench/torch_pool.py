#!/usr/bin/env python3
"""Runs many trainings of the PyTorch reference (torch_reference.py beside this script) in a
process pool: the sweep-throughput counterpart of `symsweep run` for bench_throughput.sh.

Reads one JSON object per line on stdin, one training each:
  {"id": 7, "n": 23, "width": 256, "data_fraction": 0.5, "seed": 0, "steps": 3000,
   "optimizer": "adamw", "lr": 0.003, "weight_decay": 0.1, "init_scale": 0.3, "precision": "f32"}
and trains each exactly as `torch_reference.py` does (its split, initial particles, network and
optimiser are imported from it, nothing is re-implemented), in --processes worker processes of
one thread each (torch.set_num_threads(1)), forked from this one after `import torch`.

--log-every K (the sweep's log_every): at step 0, every K steps and at the last step, measure
the train and test loss and accuracy (no_grad, one forward pass per set), as symsweep's logged
steps do. symsweep's logged step also computes the monomial potentials and its diagnostics,
which the reference has no code for, so the torch side does less work per logged step.
--log-every 0: only the final values (what torch_reference.py itself prints).

Jobs are handed out largest first (cost n^2 f q steps), as symsweep's master orders pending runs
by estimated cost. Prints one JSON line per finished run (id, configuration, run_seconds, final
train/test loss and accuracy, logged steps), in completion order, then one summary line
{"summary": true, "runs": N, "processes": P, "wall_seconds": ...}: the pool's wall time from its
creation to the last result (the interpreter's start-up and `import torch` excluded: measure
the whole command for those).
"""
import argparse
import json
import multiprocessing
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402

import torch_reference as ref  # noqa: E402

LOG_EVERY = 0


def evaluate(net, samples):
    """(loss, accuracy) on `samples` from one forward pass, the definitions of the reference."""
    n = net.w_a.shape[1]
    out = net(samples)
    residual = out / (2 * n) - samples.target
    residual = residual - residual.mean(dim=0, keepdim=True)
    loss = (residual.square().sum() / samples.size).item()
    acc = (out.argmax(dim=0) == samples.label).double().mean().item()
    return loss, acc


def train_one(job):
    began = time.perf_counter()
    torch.set_num_threads(1)
    dtype = torch.float32 if job["precision"] == "f32" else torch.float64
    n, q = job["n"], job["width"]
    train_index, test_index = ref.split(n, job["data_fraction"], job["seed"])
    train = ref.Samples(train_index, n, dtype)
    test = ref.Samples(test_index, n, dtype)
    net = ref.QuadraticNetwork(ref.initial_particles(n, q, job["init_scale"], job["seed"]), dtype)
    optimizer = ref.make_optimizer(
        net, argparse.Namespace(optimizer=job["optimizer"], lr=job["lr"],
                                weight_decay=job["weight_decay"]))
    steps = job["steps"]
    logged = 0

    def log():
        nonlocal logged
        with torch.no_grad():
            evaluate(net, train)
            if test.size:
                evaluate(net, test)
        logged += 1

    if LOG_EVERY > 0:
        log()
    for step in range(1, steps + 1):
        optimizer.zero_grad(set_to_none=True)
        net.loss(train).backward()
        optimizer.step()
        if LOG_EVERY > 0 and (step % LOG_EVERY == 0 or step == steps):
            log()
    with torch.no_grad():
        result = dict(
            job,
            run_seconds=time.perf_counter() - began,
            logged_steps=logged,
            train_pairs=train.size,
            train_loss=net.loss(train).item(), train_acc=net.accuracy(train),
            test_loss=net.loss(test).item() if test.size else None,
            test_acc=net.accuracy(test) if test.size else None)
    return result


def init_worker(log_every):
    global LOG_EVERY
    LOG_EVERY = log_every
    torch.set_num_threads(1)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--processes", type=int, default=2)
    p.add_argument("--log-every", type=int, default=0,
                   help="measure losses and accuracies every K steps (0: only at the end)")
    args = p.parse_args()
    if args.processes < 1 or args.log_every < 0:
        p.error("--processes must be >= 1 and --log-every >= 0")
    jobs = [json.loads(line) for line in sys.stdin if line.strip()]
    if not jobs:
        raise SystemExit("torch_pool.py: no jobs on stdin")
    for j in jobs:
        if j.get("seed") is None or not all(k in j for k in ("n", "width", "data_fraction", "steps")):
            raise SystemExit(f"torch_pool.py: job {j} lacks n, width, data_fraction, steps or seed")
    jobs.sort(key=lambda j: -j["n"] ** 2 * j["data_fraction"] * j["width"] * j["steps"])
    began = time.perf_counter()
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(args.processes, initializer=init_worker, initargs=(args.log_every,)) as pool:
        for result in pool.imap_unordered(train_one, jobs):
            print(json.dumps(result), flush=True)
    print(json.dumps(dict(summary=True, runs=len(jobs), processes=args.processes,
                          log_every=args.log_every,
                          wall_seconds=time.perf_counter() - began)), flush=True)


if __name__ == "__main__":
    main()
