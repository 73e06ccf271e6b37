"""clang-tidy (the repository's .clang-tidy) over the translation units of the given layers, from
the build's compile_commands.json; every diagnostic is an error. Exit 0 when clean.

    run_clang_tidy.py --clang-tidy EXE -p BUILD_DIR --source SOURCE_DIR [-j N]
                      [--layers core,distributed,sweeps] [--changed-since REF] [FILE...]

--changed-since REF lints only the layers' translation units changed against the merge base of
HEAD and REF (a changed header selects every unit of its layer); FILE... lints just those files.
"""

import argparse
import concurrent.futures
import json
import os
import subprocess
import shutil
import sys
import tempfile
import time

GCC_ONLY_FLAGS = ("-fno-gnu-unique",)


def changed_files(source, ref):
    base = subprocess.run(["git", "-C", source, "merge-base", "HEAD", ref], capture_output=True,
                          text=True, check=True).stdout.strip()
    out = subprocess.run(["git", "-C", source, "diff", "--name-only", base], capture_output=True,
                         text=True, check=True).stdout
    untracked = subprocess.run(["git", "-C", source, "ls-files", "--others", "--exclude-standard"],
                               capture_output=True, text=True, check=True).stdout
    return {os.path.join(source, f) for f in (out + untracked).split()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clang-tidy", required=True)
    ap.add_argument("-p", dest="build", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--layers", default="core,distributed,sweeps")
    ap.add_argument("--changed-since")
    ap.add_argument("-j", type=int, default=os.cpu_count() or 1)
    ap.add_argument("files", nargs="*")
    a = ap.parse_args()
    if not a.clang_tidy or not os.access(a.clang_tidy, os.X_OK):
        sys.exit("clang-tidy not found: install it (deploy/install-deps.sh installs `clang-tidy`) "
                 "and configure again")
    source = os.path.realpath(a.source)
    with open(os.path.join(a.build, "compile_commands.json")) as f:
        entries = json.load(f)
    # A unit compiled more than once (core's kernels: once per instruction-set level) is linted
    # once, with its first command: clang-tidy runs every command a file has, and the levels
    # differ only in -march (halves the kernels' lint time).
    first = {}
    for e in entries:
        first.setdefault(os.path.realpath(os.path.join(e["directory"], e["file"])), e)
    entries = list(first.values())
    units = sorted(first)
    # GCC-only flags clang rejects outright (core's kernel objects: -fno-gnu-unique) are taken
    # out of a copy of the database, which clang-tidy then reads.
    for e in entries:
        for flag in GCC_ONLY_FLAGS:
            if "command" in e:
                e["command"] = e["command"].replace(" " + flag, "")
            if "arguments" in e:
                e["arguments"] = [x for x in e["arguments"] if x != flag]
    db_dir = tempfile.mkdtemp(prefix="symsweep_tidy_")
    with open(os.path.join(db_dir, "compile_commands.json"), "w") as f:
        json.dump(entries, f)
    layers = [os.path.join(source, layer) + os.sep for layer in a.layers.split(",") if layer]
    units = [u for u in units if any(u.startswith(layer) for layer in layers)]
    if a.files:
        wanted = {os.path.realpath(f) for f in a.files}
        units = [u for u in units if u in wanted]
    if a.changed_since:
        changed = changed_files(source, a.changed_since)
        touched = [layer for layer in layers
                   if any(c.startswith(layer) and c.endswith(".hpp") for c in changed)]
        units = [u for u in units if u in changed or any(u.startswith(t) for t in touched)]
    print(f"clang-tidy {len(units)} translation units of {a.layers} with {a.j} jobs", flush=True)

    def lint(unit):
        t = time.monotonic()
        p = subprocess.run([a.clang_tidy, "-p", db_dir, "--quiet", "--warnings-as-errors=*",
                            # GCC-only warning flags of the build (-Wno-restrict): not findings.
                            "--extra-arg=-Wno-unknown-warning-option", unit],
                           capture_output=True, text=True)
        return unit, p.returncode, p.stdout + p.stderr, time.monotonic() - t

    failed = []
    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.j)) as pool:
        for unit, code, out, secs in pool.map(lint, units):
            rel = os.path.relpath(unit, source)
            # clang-tidy's "N warnings generated" lines (suppressed ones included) are noise.
            lines = [line for line in out.splitlines()
                     if not line.endswith(("warnings generated.", "warning generated."))
                     and not line.startswith(("Suppressed ", "Use -header-filter", "Error while processing"))]
            print(f"{'FAIL' if code else 'ok  '} {rel} ({secs:.0f} s)", flush=True)
            if code:
                failed.append(rel)
                print("\n".join(lines), flush=True)
    shutil.rmtree(db_dir, ignore_errors=True)
    print(f"{len(units) - len(failed)}/{len(units)} clean in {time.monotonic() - start:.0f} s")
    if failed:
        print("findings in: " + " ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
