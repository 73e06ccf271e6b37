"""Holds the layers to their order by the includes of every source file.

    check_layers.py SOURCE_DIR

The libraries are separated by the compiler (each sees only the public include dirs of the
libraries below it: tests/layering/CMakeLists.txt proves it); inside the application (sweeps/)
the four folders share one include root, so this script checks that each folder includes only
the folders it may depend on:

    spec -> core;  store -> spec, core;  report -> store, spec, core;  commands -> everything.

A file of core/ or distributed/ that names another layer's header by a relative path (which the
compiler would then find) is caught here too. Exit 0 when every include keeps to its layer.
"""

import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)

# Which headers a layer may include, by prefix of the quoted path. core's kernels
# (core/src/kernels/kernels.hpp) are a private header of core's sources.
ALLOWED = {
    "core": ("symsweep/core/", "kernels/"),
    "distributed": ("symsweep/core/", "symsweep/distributed/"),
    "sweeps/spec": ("symsweep/core/", "spec/"),
    "sweeps/store": ("symsweep/core/", "spec/", "store/"),
    "sweeps/report": ("symsweep/core/", "spec/", "store/", "report/"),
    "sweeps/commands": ("symsweep/core/", "symsweep/distributed/", "spec/", "store/", "report/",
                        "commands/", "symsweep_git_rev.hpp"),
}


def layer_of(rel):
    for layer in sorted(ALLOWED, key=len, reverse=True):
        if rel.startswith(layer + "/"):
            return layer
    return None


def main():
    root = os.path.abspath(sys.argv[1])
    bad, files = [], 0
    for top in ("core", "distributed", "sweeps"):
        for dirpath, _, names in os.walk(os.path.join(root, top)):
            for name in sorted(names):
                if not name.endswith((".cpp", ".hpp")):
                    continue
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root)
                layer = layer_of(rel)
                if layer is None:
                    bad.append(f"{rel}: not in any layer's folder ({', '.join(ALLOWED)})")
                    continue
                files += 1
                text = open(path, encoding="utf-8").read()
                for inc in INCLUDE.findall(text):
                    # A private header of the file's own folder ("random.hpp" in core/src).
                    if "/" not in inc and os.path.exists(os.path.join(dirpath, inc)):
                        continue
                    if not inc.startswith(ALLOWED[layer]):
                        bad.append(f"{rel}: includes \"{inc}\", outside what {layer} may use")
    if files == 0:
        sys.exit(f"no sources found under {root}")
    for b in bad:
        print(b)
    print(f"{files} files checked, {len(bad)} includes across the layers' order")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
