#!/usr/bin/env python3
"""Each published reference model, written the way its paper's code writes it (nn.Linear
modules without bias, its own forward pass, loss and optimiser), against symsweep's run of the
matching settings: 100 full-batch f64 steps from symsweep's initial particles (copied into the
modules' weights), train and test loss equal to 1e-9 relative and the accuracies equal at every
logged step (every 10).

- Tian (CoGO): layera(e_a) + layerb(e_b), x^2, layerc; his centred MSE
  (sum_c o0^2 averaged, - 2 o0[y] averaged, + 1 - 1/M with o0 = o - mean_c o); Adam with L2.
- Doshi et al.: fc2((fc1 [e_a; e_b])^2); nn.MSELoss on the one-hot; AdamW, betas (0.9, 0.98).
- Gromov: h = U x / sqrt(2p), out = (1/N) W h^2; MSE on the one-hot; plain full-batch GD.
- Cross-entropy: Tian's network with nn.CrossEntropyLoss and Adam.

    test_published_models.py SYMSWEEP_BIN    (exit 0: all equal; 1: a difference; 77: no torch)
"""
import json
import math
import os
import sys
import tempfile

import numpy as np

from reference_common import ref, train

import torch  # noqa: E402  (reference_common exits 77 without it)
from torch import nn  # noqa: E402

STEPS, EVERY, SEED, F = 100, 10, 1, 0.5


class Tian(nn.Module):
    def __init__(self, m, k):
        super().__init__()
        self.layera = nn.Linear(m, k, bias=False)
        self.layerb = nn.Linear(m, k, bias=False)
        self.layerc = nn.Linear(k, m, bias=False)

    def forward(self, ea, eb):
        return self.layerc((self.layera(ea) + self.layerb(eb)).pow(2))


class Doshi(nn.Module):
    def __init__(self, p, h):
        super().__init__()
        self.fc1 = nn.Linear(2 * p, h, bias=False)
        self.fc2 = nn.Linear(h, p, bias=False)

    def forward(self, x):
        return self.fc2(self.fc1(x).pow(2))


class Gromov(nn.Module):
    def __init__(self, p, n):
        super().__init__()
        self.U = nn.Linear(2 * p, n, bias=False)
        self.W = nn.Linear(n, p, bias=False)
        self.d, self.n = 2 * p, n

    def forward(self, x):
        return self.W((self.U(x) / math.sqrt(self.d)).pow(2)) / self.n


def tian_loss(o, y, m):
    o0 = o - o.mean(dim=1, keepdim=True)
    return o0.pow(2).sum(1).mean() - 2 * o0.gather(1, y[:, None]).mean() + 1 - 1 / m


CASES = {
    "tian": dict(n=13, q=64, lr=0.01, args=["--parametrization", "standard", "--init",
                                            "torch-default", "--loss", "centred-mse",
                                            "--optimizer", "adam", "--weight-decay", "1e-4"]),
    "doshi": dict(n=11, q=48, lr=0.01, args=["--parametrization", "standard", "--init", "normal",
                                             "--init-scale", repr(0.5 / (2 * 48) ** (1 / 3)),
                                             "--loss", "mse", "--optimizer", "adamw",
                                             "--weight-decay", "5.0", "--beta2", "0.98"]),
    "gromov": dict(n=11, q=64, lr=20.0, args=["--parametrization", "gromov", "--init", "normal",
                                              "--init-scale", "1", "--loss", "mse", "--optimizer",
                                              "sgd", "--momentum", "0", "--weight-decay", "0"]),
    "cross-entropy": dict(n=13, q=32, lr=0.01, args=["--parametrization", "standard", "--init",
                                                     "torch-default", "--loss", "cross-entropy",
                                                     "--optimizer", "adam", "--weight-decay",
                                                     "1e-4"]),
}


def symsweep_args(c):
    """The `symsweep train` flags of case c (its settings and learning rate)."""
    return c["args"] + ["--lr", repr(c["lr"])]


def initial_particles(binary, c, fraction, seed, path, precision="f64"):
    """symsweep's initial particles of case c (q x 3n: w_a | w_b | w_c), through a 0-step run."""
    train(binary, c["n"], c["q"], fraction, seed,
          symsweep_args(c) + ["--steps", "0", "--log-every", "0", "--save-particles", path],
          precision)
    return np.load(path)


def run(binary, name, c, tmp):
    z = initial_particles(binary, c, F, SEED, os.path.join(tmp, name + ".npy"))
    out = train(binary, c["n"], c["q"], F, SEED,
                symsweep_args(c) + ["--steps", str(STEPS), "--log-every", str(EVERY), "--json"])
    return z, json.loads(out)["log"]


def data(n, index):
    """One-hot inputs e_a, e_b and labels (a + b) mod n of the pair indices a n + b."""
    index = torch.from_numpy(index)
    ea = nn.functional.one_hot(index // n, n)
    eb = nn.functional.one_hot(index % n, n)
    return ea, eb, (index // n + index % n) % n


def reference_model(name, c, z, dtype=torch.float64):
    """Case c as its reference writes it, with symsweep's particles z as the weights:
    (forward(ea, eb) -> outputs, loss(outputs, labels), the torch optimiser)."""
    n, q = c["n"], c["q"]
    a, b, w = (torch.tensor(z[:, i * n:(i + 1) * n], dtype=dtype) for i in range(3))
    if name in ("tian", "cross-entropy"):
        net = Tian(n, q).to(dtype)
        net.layera.weight.data, net.layerb.weight.data = a.clone(), b.clone()
        net.layerc.weight.data = w.T.clone()
        forward = lambda ea, eb: net(ea, eb)  # noqa: E731
    else:
        net = (Doshi(n, q) if name == "doshi" else Gromov(n, q)).to(dtype)
        first, second = (net.fc1, net.fc2) if name == "doshi" else (net.U, net.W)
        first.weight.data = torch.cat([a, b], dim=1).clone()
        second.weight.data = w.T.clone()
        forward = lambda ea, eb: net(torch.cat([ea, eb], dim=1))  # noqa: E731
    if name == "tian":
        loss_fn = lambda o, y: tian_loss(o, y, n)  # noqa: E731
    elif name == "cross-entropy":
        loss_fn = nn.CrossEntropyLoss()
    else:
        loss_fn = lambda o, y: nn.MSELoss()(o, nn.functional.one_hot(y, n).to(o.dtype))  # noqa
    lr = c["lr"]
    if name == "doshi":
        opt = torch.optim.AdamW(net.parameters(), lr=lr, betas=(0.9, 0.98), weight_decay=5.0)
    elif name == "gromov":
        opt = torch.optim.SGD(net.parameters(), lr=lr)
    else:
        opt = torch.optim.Adam(net.parameters(), lr=lr, weight_decay=1e-4)
    return forward, loss_fn, opt


def reference(name, c, z):
    n = c["n"]
    train_index, test_index = ref.split(n, F, SEED)
    sets = []
    for index in (train_index, test_index):
        ea, eb, y = data(n, index)
        sets.append((ea.double(), eb.double(), y))
    forward, loss_fn, opt = reference_model(name, c, z)
    log = []
    for step in range(STEPS + 1):
        if step % EVERY == 0:
            with torch.no_grad():
                row = {"step": step}
                for key, (ea, eb, y) in zip(("train", "test"), sets):
                    o = forward(ea, eb)
                    row[key + "_loss"] = float(loss_fn(o, y))
                    row[key + "_acc"] = float((o.argmax(1) == y).double().mean())
                log.append(row)
        if step == STEPS:
            break
        opt.zero_grad()
        ea, eb, y = sets[0]
        loss_fn(forward(ea, eb), y).backward()
        opt.step()
    return log


def main():
    binary = sys.argv[1]
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, c in CASES.items():
            z, ours = run(binary, name, c, tmp)
            theirs = reference(name, c, z)
            worst, acc_equal = 0.0, True
            for o, t in zip(ours, theirs):
                assert o["step"] == t["step"]
                for key in ("train_loss", "test_loss"):
                    worst = max(worst, abs(o[key] - t[key]) / abs(t[key]))
                acc_equal &= o["train_acc"] == t["train_acc"] and o["test_acc"] == t["test_acc"]
            learned = theirs[-1]["train_loss"] < 0.99 * theirs[0]["train_loss"]  # the steps trained it
            ok = len(ours) == len(theirs) == STEPS // EVERY + 1 and worst < 1e-9 and acc_equal \
                and learned
            failures += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {name}: losses within {worst:.1e} at every logged "
                  f"step, accuracies {'equal' if acc_equal else 'DIFFER'}; train loss "
                  f"{theirs[0]['train_loss']:.4g} -> {theirs[-1]['train_loss']:.4g}, test acc "
                  f"{theirs[-1]['test_acc']:.3f}", flush=True)
    print(f"{len(CASES) - failures}/{len(CASES)} equal")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
