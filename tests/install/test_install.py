"""cmake --install of this build into a fresh prefix inside the build tree, then: the installed
binary trains a network, the Slurm scripts and example specs are where the README says, and a
separate project (consumer/) finds the package with find_package(symsweep), links
symsweep::core, builds and trains Z_5 with it.

    test_install.py BUILD_DIR WORK_DIR --generator G --cxx CXX --version V
"""

import argparse
import json
import math
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from installlib import check, run  # noqa: E402



def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("work")
    ap.add_argument("--generator", required=True)
    ap.add_argument("--cxx", required=True)
    ap.add_argument("--version", required=True)
    a = ap.parse_args()

    prefix = os.path.join(a.work, "prefix")
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    run(["cmake", "--install", a.build, "--prefix", prefix])

    # The binary, as installed.
    exe = os.path.join(prefix, "bin", "symsweep")
    check(os.access(exe, os.X_OK), "bin/symsweep is installed and executable")
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    out = run([exe, "--version"], env=env).stdout
    check(a.version in out, f"symsweep --version names {a.version}: {out.strip()}")
    out = run([exe, "train", "--group", "cyclic:7", "--width", "32", "--steps", "50", "--json"],
              env=env).stdout
    j = json.loads(out)
    check(j["steps"] == 50, "train --json: steps == 50")
    check(isinstance(j["train_loss"], float) and math.isfinite(j["train_loss"]),
          f"train --json: train_loss finite ({j['train_loss']})")

    # Data files.
    share = os.path.join(prefix, "share", "symsweep")
    for f in ["slurm/sweep.sbatch", "slurm/array.sbatch", "slurm/README.md",
              "examples/quickstart.toml", "examples/scaling.toml", "examples/scaling-fine.toml",
              "examples/scaling-long.toml", "examples/nonabelian.toml", "examples/tian.toml",
              "examples/tian-boundary.toml", "examples/doshi.toml", "examples/gromov.toml",
              "examples/refine_grid.py"]:
        check(os.path.isfile(os.path.join(share, f)), f"share/symsweep/{f}")

    # The package: core's headers only, and no build-host flags in the exported target.
    inc = os.path.join(prefix, "include", "symsweep")
    check(os.path.isfile(os.path.join(inc, "core", "train.hpp")), "include/symsweep/core/train.hpp")
    check(sorted(os.listdir(inc)) == ["core"], "only core's headers are installed")
    cmakedir = os.path.join(prefix, "lib", "cmake", "symsweep")
    for f in ["symsweepConfig.cmake", "symsweepConfigVersion.cmake", "symsweepTargets.cmake"]:
        check(os.path.isfile(os.path.join(cmakedir, f)), f"lib/cmake/symsweep/{f}")
    exported = "".join(open(os.path.join(cmakedir, f)).read()
                       for f in os.listdir(cmakedir) if f.startswith("symsweepTargets"))
    for bad in ["-march", "symsweep_options", "-Werror", "fsanitize"]:
        check(bad not in exported, f"the exported targets do not carry {bad}")

    # A consumer project against the prefix.
    cbuild = os.path.join(a.work, "consumer-build")
    run(["cmake", "-S", os.path.join(HERE, "consumer"), "-B", cbuild, "-G", a.generator,
         f"-DCMAKE_CXX_COMPILER={a.cxx}", "-DCMAKE_BUILD_TYPE=Release",
         f"-DCMAKE_PREFIX_PATH={prefix}"])
    run(["cmake", "--build", cbuild])
    out = run([os.path.join(cbuild, "consumer")], env=env).stdout.split()
    first, last = float(out[0]), float(out[1])
    check(math.isfinite(last) and last < first,
          f"the consumer's training loss decreased: {first:.6g} -> {last:.6g}")


if __name__ == "__main__":
    main()
