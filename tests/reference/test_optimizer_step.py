#!/usr/bin/env python3
"""symsweep's optimisers, losses, parametrizations and initial laws against PyTorch (f64).

For each case: symsweep draws the initial particles (`train --steps 0 --save-particles`), this
script checks them against its own draw of the same law (tests/bench/torch_reference.py's port
of the random streams; uniform laws drawn here as s (2u - 1)), then builds the network of
docs/model.md ("Other settings") as plain tensors with autograd, takes the same full-batch steps
with torch.optim (SGD, Adam, AdamW; gd as SGD with lr q and weight decay wd / q) and compares
symsweep's particles after those steps: the largest difference relative to the largest weight
below 1e-12.

    test_optimizer_step.py SYMSWEEP_BIN      (exit 0: all equal; 1: a difference; 77: no torch)
"""
import math
import os
import sys
import tempfile

import numpy as np

from reference_common import ref, train

import torch  # noqa: E402  (reference_common exits 77 without it)

N, Q, F, SEED = 7, 12, 0.6, 3
# (optimizer, loss, parametrization, init, extra settings, steps)
CASES = [
    ("gd", "centred-mse", "mean-field", "normal", {"lr": 0.5, "weight_decay": 0.1}, 3),
    ("sgd", "mse", "gromov", "normal", {"lr": 0.3, "weight_decay": 0.0, "init_scale": 1.0}, 3),
    ("sgd", "cross-entropy", "standard", "uniform", {"lr": 0.05, "momentum": 0.9,
                                                     "weight_decay": 0.01}, 3),
    ("adam", "centred-mse", "standard", "torch-default", {"lr": 0.01, "weight_decay": 1e-4}, 3),
    ("adam", "cross-entropy", "mean-field", "normal", {"lr": 0.01, "weight_decay": 0.1}, 2),
    ("adamw", "mse", "standard", "torch-default-concat", {"lr": 0.01, "weight_decay": 5.0,
                                                           "beta2": 0.98}, 3),
    ("adamw", "centred-mse", "gromov", "uniform", {"lr": 3e-3, "weight_decay": 0.1,
                                                   "init_scale": 0.5, "init_scale_out": 0.2}, 2),
    ("sgd", "centred-mse", "standard", "normal", {"lr": 0.01, "momentum": 0.5,
                                                  "weight_decay": 0.1}, 3),
    ("gd", "mse", "mean-field", "normal", {"lr": 0.2, "weight_decay": 0.0}, 2),
    ("adam", "mse", "gromov", "torch-default", {"lr": 0.02, "weight_decay": 0.0}, 2),
    ("adamw", "cross-entropy", "gromov", "normal", {"lr": 0.01, "weight_decay": 0.1}, 2),
]


def symsweep(binary, args, out):
    train(binary, N, Q, F, SEED, ["--log-every", "0", "--save-particles", out] + args)
    return np.load(out)


def scales(init, extra):
    s = extra.get("init_scale", 0.3)
    if init == "torch-default":
        return 1 / math.sqrt(N), 1 / math.sqrt(Q)
    if init == "torch-default-concat":
        return 1 / math.sqrt(2 * N), 1 / math.sqrt(Q)
    return s, extra.get("init_scale_out", 0.0) or s


def own_init(init, extra):
    s_in, s_out = scales(init, extra)
    if init == "normal":
        a, b, c = ref.initial_particles(N, Q, 1.0, SEED)
        return np.hstack([s_in * a, s_in * b, s_out * c])
    streams = ref.Streams(SEED, np.arange(Q))
    cols = [2.0 * streams.uniform() - 1.0 for _ in range(3 * N)]
    z = np.stack(cols, axis=1)
    return np.hstack([s_in * z[:, :2 * N], s_out * z[:, 2 * N:]])


def gain(par):
    alpha, beta = {"mean-field": (1.0, 1.0 / (2 * N * Q)), "standard": (1.0, 1.0),
                   "gromov": (1.0 / math.sqrt(2 * N), 1.0 / Q)}[par]
    return alpha, beta


def torch_steps(z0, opt_name, loss_name, par, extra, steps):
    train, _ = ref.split(N, F, SEED)
    a1 = torch.from_numpy(train // N)
    a2 = torch.from_numpy(train % N)
    y = (a1 + a2) % N
    onehot = torch.nn.functional.one_hot(y, N).to(torch.float64)  # m x n
    w = [torch.tensor(z0[:, i * N:(i + 1) * N], dtype=torch.float64, requires_grad=True)
         for i in range(3)]
    alpha, beta = gain(par)
    lr, wd = extra["lr"], extra.get("weight_decay", 0.0)
    betas = (extra.get("beta1", 0.9), extra.get("beta2", 0.999))
    if opt_name == "gd":
        opt = torch.optim.SGD(w, lr=lr * Q, weight_decay=wd / Q)
    elif opt_name == "sgd":
        opt = torch.optim.SGD(w, lr=lr, momentum=extra.get("momentum", 0.0), weight_decay=wd)
    elif opt_name == "adam":
        opt = torch.optim.Adam(w, lr=lr, betas=betas, eps=1e-8, weight_decay=wd)
    else:
        opt = torch.optim.AdamW(w, lr=lr, betas=betas, eps=1e-8, weight_decay=wd)
    for _ in range(steps):
        opt.zero_grad()
        h = alpha * (w[0][:, a1] + w[1][:, a2])            # q x m
        f = beta * (h * h).T @ w[2]                          # m x n
        if loss_name == "centred-mse":
            r = f - onehot
            r = r - r.mean(dim=1, keepdim=True)
            loss = (r * r).sum(dim=1).mean()
        elif loss_name == "mse":
            loss = torch.nn.functional.mse_loss(f, onehot)
        else:
            loss = torch.nn.functional.cross_entropy(f, y)
        loss.backward()
        opt.step()
    return torch.cat([t.detach() for t in w], dim=1).numpy()


def main():
    binary = sys.argv[1]
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for opt_name, loss_name, par, init, extra, steps in CASES:
            args = ["--optimizer", opt_name, "--loss", loss_name, "--parametrization", par,
                    "--init", init]
            for k, v in extra.items():
                args += ["--" + k.replace("_", "-"), repr(v)]
            name = f"{opt_name} {loss_name} {par} {init} {extra}"
            z0 = symsweep(binary, args + ["--steps", "0"], os.path.join(tmp, "z0.npy"))
            init_err = np.abs(z0 - own_init(init, extra)).max() / np.abs(z0).max()
            zk = symsweep(binary, args + ["--steps", str(steps)], os.path.join(tmp, "zk.npy"))
            zt = torch_steps(z0, opt_name, loss_name, par, extra, steps)
            err = np.abs(zk - zt).max() / np.abs(zt).max()
            moved = np.abs(zk - z0).max() / np.abs(z0).max()
            ok = init_err < 1e-15 and err < 1e-12 and moved > 1e-6
            failures += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {name}: init {init_err:.1e}, after {steps} steps "
                  f"{err:.1e} (the steps moved the weights by {moved:.1e})", flush=True)
    print(f"{len(CASES) - failures}/{len(CASES)} equal")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
