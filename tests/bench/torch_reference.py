#!/usr/bin/env python3
"""PyTorch reference for symsweep's training step: the network of docs/model.md on Z_n, trained
on the CPU the way a researcher would write it (autograd, torch.optim). compare_torch.sh times
it against bench_step; it is also a correctness check, because it reproduces symsweep's own run:

- the same training split: round(f n^2) pairs (half away from zero) drawn by the partial
  Fisher-Yates shuffle of core/data.cpp (make_split) from the run seed;
- the same initial particles: particle j drawn from the stream (seed, j) of core/src/random.hpp
  (xoshiro256** seeded by SplitMix64, Box-Muller normals), w_a then w_b then w_c;
- the same loss H = mean over the training pairs of ||P(o/(2n) - e_y)||^2 and the same updates:
  `adamw` is torch.optim.AdamW (PyTorch's defaults for betas and eps, as core/train.cpp);
  `gd` is the Euler step z <- (1 - lr wd) z - lr q grad H (torch.optim.SGD with lr q and weight
  decay wd / q is exactly that step).

So `torch_reference.py --n 23 --seed 3 ...` and `symsweep train --group cyclic:23 --seed 3 ...`
train the same network; their final losses agree to rounding (f64: about 1e-12 relative).

Usage (one thread, as compare_torch.sh runs it):
  OMP_NUM_THREADS=1 /usr/bin/python3 torch_reference.py --n 97 --width 1024 --data-fraction 0.5 \
      --steps 30 --optimizer adamw --lr 3e-3 --weight-decay 0.1 --init-scale 0.3 --precision f32 \
      --seed 0 --threads 1
Prints one JSON line: step_ms (mean wall time of the timed steps: all of them, the first
included, unless --warmup), the final train_loss / test_loss / train_acc / test_acc measured
after the last step (test values null when f = 1), and the configuration.
Needs Debian's python3-torch and python3-numpy.
"""
import argparse
import json
import math
import time

import numpy as np
import torch

MASK = (1 << 64) - 1
SPLIT_STREAM = 0x53504C4954        # core/data.cpp: the stream of the train/test split ("SPLIT")
STREAM_SALT = 0x632BE59BD9B4E019   # core/src/random.hpp: added to the stream before mixing


# ------------------------------------------------------------- core/src/random.hpp, in Python


def mix64(x):
    """SplitMix64's output function applied to x + golden gamma (one scalar)."""
    x = (x + 0x9E3779B97F4A7C15) & MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


def mix64_array(x):
    """mix64 element-wise on a uint64 array (numpy integer arithmetic wraps modulo 2^64)."""
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


class Streams:
    """Many independent xoshiro256** generators advanced in lockstep, one per stream id."""

    def __init__(self, seed, streams):
        streams = np.asarray(streams, dtype=np.uint64)
        salted = mix64_array(streams + np.uint64(STREAM_SALT))
        x = np.uint64(seed) ^ salted
        x = mix64_array(x)
        self.s = []
        for _ in range(4):
            x = mix64_array(x)
            self.s.append(x.copy())
        self.spare = None

    @staticmethod
    def _rotl(x, k):
        return (x << np.uint64(k)) | (x >> np.uint64(64 - k))

    def next(self):
        s0, s1, s2, s3 = self.s
        out = self._rotl(s1 * np.uint64(5), 7) * np.uint64(9)
        t = s1 << np.uint64(17)
        s2 = s2 ^ s0
        s3 = s3 ^ s1
        s1 = s1 ^ s2
        s0 = s0 ^ s3
        s2 = s2 ^ t
        s3 = self._rotl(s3, 45)
        self.s = [s0, s1, s2, s3]
        return out

    def uniform(self):
        return (self.next() >> np.uint64(11)).astype(np.float64) * 2.0 ** -53

    def normal(self):
        """One standard normal per stream, Box-Muller with the second value kept for later.

        The transcendental functions run through Python's math module (the C library's, as in
        the C++ code) so that the values match symsweep's bit for bit."""
        if self.spare is not None:
            out, self.spare = self.spare, None
            return out
        u1 = self.uniform()
        while np.any(u1 <= 0.0):           # probability 2^-53 per draw: redraw those streams
            redraw = self.uniform()
            u1 = np.where(u1 <= 0.0, redraw, u1)
        u2 = self.uniform()
        radius = [math.sqrt(-2.0 * math.log(u)) for u in u1.tolist()]
        angle = [2.0 * math.pi * u for u in u2.tolist()]
        self.spare = np.array([r * math.sin(a) for r, a in zip(radius, angle)])
        return np.array([r * math.cos(a) for r, a in zip(radius, angle)])


class Stream:
    """A single generator, for the split (scalar Python integers: exact 128-bit products)."""

    def __init__(self, seed, stream):
        x = mix64(seed ^ mix64((stream + STREAM_SALT) & MASK))
        self.s = []
        for _ in range(4):
            x = mix64(x)
            self.s.append(x)

    def next(self):
        s = self.s
        out = ((((s[1] * 5) & MASK) << 7 | ((s[1] * 5) & MASK) >> 57) & MASK) * 9 & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = ((s[3] << 45) | (s[3] >> 19)) & MASK
        return out

    def below(self, bound):
        return (self.next() * bound) >> 64


# ------------------------------------------------------------- the task and the network


def split(n, fraction, seed):
    """Training and test pairs (index a1 * n + a2, ascending) as core/data.cpp draws them."""
    pairs = n * n
    sampled = math.floor(fraction * float(pairs) + 0.5)
    order = list(range(pairs))
    rng = Stream(seed, SPLIT_STREAM)
    for i in range(sampled):
        j = i + rng.below(pairs - i)
        order[i], order[j] = order[j], order[i]
    train = np.zeros(pairs, dtype=bool)
    train[order[:sampled]] = True
    return np.flatnonzero(train), np.flatnonzero(~train)


def initial_particles(n, width, scale, seed):
    """w_a, w_b, w_c (width x n each, float64) as core/model.cpp's init_particles draws them."""
    streams = Streams(seed, np.arange(width))
    columns = [streams.normal() for _ in range(3 * n)]       # column i: entry i of every particle
    z = scale * np.stack(columns, axis=1)
    return z[:, :n], z[:, n:2 * n], z[:, 2 * n:]


class Samples:
    """Pairs (a1, a2) of Z_n given by pair index a1 n + a2, with their one-hot targets (n x m)."""

    def __init__(self, index, n, dtype):
        index = torch.from_numpy(index)
        self.left, self.right = index // n, index % n
        self.label = (self.left + self.right) % n
        self.size = len(index)
        self.target = torch.zeros(n, self.size, dtype=dtype)
        self.target[self.label, torch.arange(self.size)] = 1.0


class QuadraticNetwork(torch.nn.Module):
    """Width-q mean-field network: row j of w_a, w_b, w_c is particle j (docs/model.md)."""

    def __init__(self, particles, dtype):
        super().__init__()
        self.w_a, self.w_b, self.w_c = (torch.nn.Parameter(torch.tensor(w, dtype=dtype))
                                        for w in particles)

    def forward(self, samples):
        """o(a1, a2) for every sample, n x m: (1/q) W_c^T (W_a[:, a1] + W_b[:, a2])^2."""
        hidden = self.w_a[:, samples.left] + self.w_b[:, samples.right]
        return self.w_c.t() @ hidden.square() / self.w_a.shape[0]

    def loss(self, samples):
        """H = mean over the samples of ||P(o/(2n) - e_y)||^2, P centring each output."""
        n = self.w_a.shape[1]
        hidden = self.w_a[:, samples.left] + self.w_b[:, samples.right]
        scale = 1.0 / (2 * n * self.w_a.shape[0])
        residual = (self.w_c.t() @ hidden.square()) * scale - samples.target
        residual = residual - residual.mean(dim=0, keepdim=True)
        return residual.square().sum() / samples.size

    def accuracy(self, samples):
        return (self(samples).argmax(dim=0) == samples.label).double().mean().item()


def make_optimizer(net, args):
    if args.optimizer == "adamw":   # PyTorch's defaults for betas and eps, as core/train.cpp
        return torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    # (lr q)(grad + (wd / q) z) = lr q grad + lr wd z: exactly core/train.cpp's Euler step.
    q = net.w_a.shape[0]
    return torch.optim.SGD(net.parameters(), lr=args.lr * q, weight_decay=args.weight_decay / q)


def parse_arguments():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=23, help="order of the cyclic group Z_n")
    p.add_argument("--width", type=int, default=512, help="q, the number of particles")
    p.add_argument("--data-fraction", type=float, default=0.5)
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--optimizer", choices=["adamw", "gd"], default="adamw")
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--weight-decay", type=float, default=0.1)
    p.add_argument("--init-scale", type=float, default=0.3)
    p.add_argument("--precision", choices=["f32", "f64"], default="f32")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--warmup", type=int, default=0,
                   help="untimed steps before the timed ones (default 0: every step is timed)")
    p.add_argument("--save-particles", metavar="PATH",
                   help="write the final particles as float64 .npy (q x 3n, w_a | w_b | w_c)")
    args = p.parse_args()
    if args.n < 1 or args.width < 1 or args.steps < 0 or args.warmup < 0:
        p.error("--n and --width must be >= 1, --steps and --warmup >= 0")
    if not 0.0 < args.data_fraction <= 1.0:
        p.error("--data-fraction must lie in (0, 1]")
    return args


def main():
    args = parse_arguments()
    torch.set_num_threads(args.threads)
    dtype = torch.float32 if args.precision == "f32" else torch.float64
    n, q = args.n, args.width
    train_index, test_index = split(n, args.data_fraction, args.seed)
    if len(train_index) == 0:
        raise SystemExit("torch_reference.py: round(f n^2) = 0 training pairs")
    train, test = Samples(train_index, n, dtype), Samples(test_index, n, dtype)
    net = QuadraticNetwork(initial_particles(n, q, args.init_scale, args.seed), dtype)
    optimizer = make_optimizer(net, args)

    def one_step():
        optimizer.zero_grad(set_to_none=True)
        net.loss(train).backward()
        optimizer.step()

    warmup = min(args.warmup, args.steps)
    for _ in range(warmup):
        one_step()
    began = time.perf_counter()
    for _ in range(args.steps - warmup):
        one_step()
    elapsed = time.perf_counter() - began
    timed = args.steps - warmup

    with torch.no_grad():
        report = dict(
            n=n, width=q, data_fraction=args.data_fraction, steps=args.steps, warmup=warmup,
            optimizer=args.optimizer, lr=args.lr, weight_decay=args.weight_decay,
            init_scale=args.init_scale, precision=args.precision, seed=args.seed,
            threads=args.threads, train_pairs=train.size,
            step_ms=elapsed / timed * 1e3 if timed else None,
            flops_per_step=6 * train.size * q * n,
            train_loss=net.loss(train).item(), train_acc=net.accuracy(train),
            test_loss=net.loss(test).item() if test.size else None,
            test_acc=net.accuracy(test) if test.size else None)
        if args.save_particles:
            np.save(args.save_particles,
                    torch.cat([net.w_a, net.w_b, net.w_c], dim=1).double().numpy())
    print(json.dumps(report))


if __name__ == "__main__":
    main()
