"""What the install tests share: running a command (failing the test with its output when it
fails) and checks that print what they established."""

import subprocess
import sys
import time


def run(cmd, **kw):
    t = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    print(f"$ {' '.join(cmd)}  [{time.monotonic() - t:.1f} s, exit {p.returncode}]", flush=True)
    if p.returncode != 0:
        print(p.stdout, p.stderr, sep="\n", file=sys.stderr)
        sys.exit(f"failed: {' '.join(cmd)}")
    return p


def check(cond, what):
    if not cond:
        sys.exit(f"FAIL: {what}")
    print(f"ok: {what}")
