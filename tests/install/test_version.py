"""`symsweep --version` names `git rev-parse --short HEAD` of the source tree (skipped, exit 77,
when the source is not a git checkout).

    test_version.py SYMSWEEP_BIN SOURCE_DIR
"""

import subprocess
import sys

exe, src = sys.argv[1], sys.argv[2]
try:
    rev = subprocess.run(["git", "-C", src, "rev-parse", "--short", "HEAD"], capture_output=True,
                         text=True, check=True).stdout.strip()
except (OSError, subprocess.CalledProcessError):
    print("not a git checkout: skipped")
    sys.exit(77)
out = subprocess.run([exe, "--version"], capture_output=True, text=True, check=True).stdout
print(out.strip())
if f"({rev})" not in out:
    sys.exit(f"FAIL: --version does not name HEAD {rev}: {out.strip()} (rebuild after a commit)")
print(f"ok: names HEAD {rev}")
