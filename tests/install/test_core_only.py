"""core configures and builds with Eigen alone: a fresh configure of this source tree with
SYMSWEEP_CORE_ONLY=ON while every other dependency is disabled (CMAKE_DISABLE_FIND_PACKAGE_*:
a find_package of any of them fails the configure), then the build, cmake --install into a
prefix, and the consumer project (consumer/) built against that prefix and run.

    test_core_only.py SOURCE_DIR WORK_DIR --generator G --cxx CXX
"""

import argparse
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from installlib import check, run  # noqa: E402

# Everything the rest of symsweep needs, and nothing that core does.
OTHERS = ["MPI", "Boost", "SQLite3", "fmt", "CLI11", "nlohmann_json", "tomlplusplus", "BLAS",
          "GTest", "benchmark"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("source")
    ap.add_argument("work")
    ap.add_argument("--generator", required=True)
    ap.add_argument("--cxx", required=True)
    a = ap.parse_args()
    shutil.rmtree(a.work, ignore_errors=True)
    build, prefix = os.path.join(a.work, "build"), os.path.join(a.work, "prefix")
    # Debug: the point is what is found and what compiles, and -O0 compiles Eigen fastest.
    run(["cmake", "-S", a.source, "-B", build, "-G", a.generator,
               f"-DCMAKE_CXX_COMPILER={a.cxx}", "-DCMAKE_BUILD_TYPE=Debug",
               "-DSYMSWEEP_CORE_ONLY=ON", "-DSYMSWEEP_ARCH=x86-64-v3"]
              + [f"-DCMAKE_DISABLE_FIND_PACKAGE_{p}=ON" for p in OTHERS])
    print("ok: configured with " + ", ".join(OTHERS) + " disabled")
    # The control: disabling what core does need fails the configure, so the disabling is real.
    ctl = subprocess.run(["cmake", "-S", a.source, "-B", os.path.join(a.work, "control"),
                          "-G", a.generator, f"-DCMAKE_CXX_COMPILER={a.cxx}",
                          "-DSYMSWEEP_CORE_ONLY=ON", "-DCMAKE_DISABLE_FIND_PACKAGE_Eigen3=ON"],
                         capture_output=True, text=True)
    check(ctl.returncode != 0 and "Eigen3" in ctl.stdout + ctl.stderr,
          "the control configure without Eigen fails, naming Eigen3")
    jobs = str(os.cpu_count() or 1)
    run(["cmake", "--build", build, "-j", jobs])
    built = {f for _, _, fs in os.walk(build) for f in fs}
    check("libsymsweep_core.a" in built, "libsymsweep_core.a was built")
    check("symsweep" not in built, "no symsweep binary in a core-only build")
    run(["cmake", "--install", build, "--prefix", prefix])
    check(os.path.exists(os.path.join(prefix, "include", "symsweep", "core", "train.hpp")),
          "include/symsweep/core/train.hpp installed")
    check(not os.path.exists(os.path.join(prefix, "include", "symsweep", "core", "random.hpp")),
          "core's private header random.hpp is not installed")
    cbuild = os.path.join(a.work, "consumer")
    run(["cmake", "-S", os.path.join(HERE, "consumer"), "-B", cbuild, "-G", a.generator,
         f"-DCMAKE_CXX_COMPILER={a.cxx}", f"-DCMAKE_PREFIX_PATH={prefix}"])
    run(["cmake", "--build", cbuild])
    out = run([os.path.join(cbuild, "consumer")]).stdout.split()
    first, last = float(out[0]), float(out[1])
    check(last < first, f"the consumer trains: loss {first:.4g} -> {last:.4g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
