"""What the reference tests share: PyTorch (a script importing this exits 77 without it),
symsweep's random streams and split in Python (tests/bench/torch_reference.py), and one
`symsweep train` run on Z_n."""
import os
import subprocess
import sys

try:
    import torch  # noqa: F401  (only the check)
except ImportError:
    print("skipped: python3-torch is not installed")
    sys.exit(77)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench"))
import torch_reference as ref  # noqa: E402,F401  (the streams and the split)


def train(binary, n, q, fraction, seed, args, precision="f64"):
    """stdout of `symsweep train` on cyclic:n with width q (f64 by default) and the extra flags
    `args`."""
    cmd = [binary, "train", "--group", f"cyclic:{n}", "--width", str(q), "--data-fraction",
           str(fraction), "--seed", str(seed), "--precision", precision] + args
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
