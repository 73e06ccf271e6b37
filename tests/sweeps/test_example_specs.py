#!/usr/bin/env python3
"""Every example spec in sweeps/examples/ is valid as shipped: `symsweep run SPEC --check`
accepts it and counts at least one run, and the run command in its header names its own file.

    test_example_specs.py SYMSWEEP_BIN EXAMPLES_DIR
"""
import glob
import os
import re
import subprocess
import sys
import tempfile


def main():
    binary, examples = sys.argv[1], sys.argv[2]
    specs = sorted(glob.glob(os.path.join(examples, "*.toml")))
    failures = 0
    if not specs:
        print(f"FAIL no *.toml in {examples}")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        for spec in specs:
            name = os.path.basename(spec)
            db = os.path.join(tmp, name + ".db")
            p = subprocess.run([binary, "run", spec, "--db", db, "--check"], capture_output=True,
                               text=True)
            m = re.search(r"is valid: (\d+) runs", p.stdout)
            header = "".join(line for line in open(spec) if line.startswith("#"))
            problems = []
            if p.returncode != 0:
                problems.append(f"--check exited {p.returncode}: {p.stderr.strip()}")
            elif not m or int(m.group(1)) < 1:
                problems.append(f"--check counted no runs: {p.stdout.strip()}")
            if f"sweeps/examples/{name}" not in header:
                problems.append(f"its header does not show the command that runs sweeps/examples/{name}")
            failures += bool(problems)
            print(f"{'FAIL' if problems else 'ok  '} {name}: "
                  f"{'; '.join(problems) if problems else m.group(1) + ' runs'}")
    print(f"{len(specs) - failures}/{len(specs)} example specs valid")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
