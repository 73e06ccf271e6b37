"""clang-tidy (the repository's .clang-tidy) over the translation units of the given layers, from
the build's compile_commands.json; every diagnostic is an error. Exit 0 when clean.

    run_clang_tidy.py --clang-tidy EXE -p BUILD_DIR --source SOURCE_DIR [-j N]
                      [--layers core,distributed,sweeps] [--changed-since REF] [FILE...]

--changed-since REF lints only the layers' translation units changed against the merge base of
HEAD and REF (a changed header selects every unit of its layer); FILE... lints just those files.

Units compiled with the same flags are linted together, a batch at a time: one generated file
includes a batch's sources, so the headers they share (Eigen, fmt, CLI11, nlohmann, the
layers' own) are parsed and matched once instead of once per unit; most of clang-tidy's time
per unit goes there (a sweeps unit: about 20 s, a batch of 20 units: about 45 s). A batch that
is not clean (a finding, or sources that clash when put in one file) is linted again unit by
unit, and only those per-unit results count: a batch can save time, never add a finding or
hide one of its units' own. --no-batches lints every unit on its own.
"""

import argparse
import concurrent.futures
import json
import os
import re
import shlex
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
    ap.add_argument("--no-batches", action="store_true")
    ap.add_argument("--batch-size", type=int, default=24)
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

    by_unit = {os.path.realpath(os.path.join(e["directory"], e["file"])): e for e in entries}

    def flags_key(unit):
        """The unit's compile command without its own file and output: units with equal keys
        can be compiled as one."""
        e = by_unit[unit]
        args = e["arguments"] if "arguments" in e else shlex.split(e["command"])
        key, skip = [], False
        for x in args:
            if skip:
                skip = False
            elif x == "-o":
                skip = True
            elif x != "-c" and os.path.realpath(os.path.join(e["directory"], x)) != unit:
                key.append(x)
        return e["directory"], tuple(key)

    groups = {}
    for u in units:
        groups.setdefault(flags_key(u), []).append(u)
    batches = []  # lists of units; a list of one is linted on its own
    for (directory, key), members in groups.items():
        if a.no_batches or len(members) == 1:
            batches += [[u] for u in members]
            continue
        # Enough batches to keep every job busy, none longer than --batch-size.
        count = max(min(a.j, len(members) // 2), -(-len(members) // a.batch_size))
        for i in range(count):
            if members[i::count]:
                batches.append(members[i::count])
    batches.sort(key=len, reverse=True)
    config = os.path.join(source, ".clang-tidy")
    layer_names = "|".join(re.escape(os.path.basename(l.rstrip(os.sep))) for l in layers)
    header_filter = f"{re.escape(source)}/({layer_names})/.*\\.(hpp|cpp)$"

    def lint_batch(batch):
        if len(batch) == 1:
            return [lint(batch[0])]
        t = time.monotonic()
        unity_dir = tempfile.mkdtemp(prefix="symsweep_tidy_batch_")
        unity = os.path.join(unity_dir, "batch.cpp")
        with open(unity, "w") as f:
            f.writelines(f'#include "{u}"\n' for u in batch)
        e = dict(by_unit[batch[0]])
        if "arguments" in e:
            e["arguments"] = [unity if os.path.realpath(os.path.join(e["directory"], x)) == batch[0]
                              else x for x in e["arguments"]]
        else:
            e["command"] = " ".join(
                shlex.quote(unity if os.path.realpath(os.path.join(e["directory"], x)) == batch[0]
                            else x) for x in shlex.split(e["command"]))
        e["file"] = unity
        with open(os.path.join(unity_dir, "compile_commands.json"), "w") as f:
            json.dump([e], f)
        # The sources are headers of the generated file: the header filter takes them in, the
        # configuration is the repository's, and including .cpp files is the point here.
        p = subprocess.run([a.clang_tidy, "-p", unity_dir, "--quiet", "--warnings-as-errors=*",
                            f"--config-file={config}", f"--header-filter={header_filter}",
                            "--checks=-bugprone-suspicious-include",
                            "--extra-arg=-Wno-unknown-warning-option", unity],
                           capture_output=True, text=True)
        shutil.rmtree(unity_dir, ignore_errors=True)
        secs = time.monotonic() - t
        if p.returncode == 0:
            return [(u, 0, "", secs / len(batch)) for u in batch]
        print(f"batch of {len(batch)} units not clean ({secs:.0f} s): linting them one by one",
              flush=True)
        return [lint(u) for u in batch]

    failed = []
    start = time.monotonic()
    print(f"in {len(batches)} batches", flush=True)
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.j)) as pool:
        for results in pool.map(lint_batch, batches):
            for unit, code, out, secs in results:
                rel = os.path.relpath(unit, source)
                # clang-tidy's "N warnings generated" lines (suppressed ones included) are noise.
                lines = [line for line in out.splitlines()
                         if not line.endswith(("warnings generated.", "warning generated."))
                         and not line.startswith(("Suppressed ", "Use -header-filter",
                                                  "Error while processing"))]
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
