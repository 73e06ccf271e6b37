#!/usr/bin/python3
"""The fine pass of a scaling measurement, from the coarse pass: a spec with one [[grid]] block
per cell (group, augment) whose data fractions are a log grid over the cell's critical-fraction
intervals, so the fine runs are spent where the accuracy curves cross 1 - eps.

    symsweep run coarse.toml --db coarse.db && symsweep fit --db coarse.db
    refine_grid.py coarse.db --sweep scaling-coarse --spec coarse.toml --name scaling \\
        --seeds 5 --points 7 > fine.toml

For each cell the range runs from the lowest interval bound to the highest over every eps that
`fit` stored, widened by --widen (a factor on each side, 1: none), clipped to (0, 1]. A cell
whose f* lies above the coarse grid at some eps (right-censored) gets the range from the largest
grid point to 1; one censored below gets the range from a tenth of the lowest coarse fraction;
an interval open on one side reaches as far. Cells keep the coarse spec's order. Only the grid
is replaced: [train] and the [sweep] settings (but its name and seeds) are copied; --steps
overrides [train] steps and --groups keeps only some groups. The output is a spec: check it with
`symsweep run fine.toml --check`.
"""
import argparse
import math
import sqlite3
import sys
import tomllib


def fail(msg):
    print(f"refine_grid.py: {msg}", file=sys.stderr)
    raise SystemExit(2)


def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return str(v)


def cell_ranges(db, sweep, widen):
    """{(group_spec, augment): (lo, hi, [eps...])} from the critical_fractions `fit` stored."""
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    except sqlite3.Error as e:
        fail(f"{db}: {e}")
    try:
        rows = con.execute(
            "SELECT group_spec, augment, eps, low, high, censoring FROM critical_fractions "
            "WHERE sweep = ?", (sweep,)).fetchall()
        fractions = sorted(f for (f,) in con.execute(
            "SELECT DISTINCT r.data_fraction FROM runs r JOIN sweep_runs l ON l.run_id = r.id "
            "JOIN sweeps s ON l.sweep_id = s.id WHERE s.name = ?", (sweep,)))
    except sqlite3.Error as e:
        fail(f"{db}: {e} (is it a symsweep database on which `symsweep fit` ran?)")
    finally:
        con.close()
    if not rows:
        fail(f"{db}: no critical fractions of sweep \"{sweep}\": run `symsweep fit --db {db}` first")
    out = {}
    for group, augment, eps, low, high, censoring in rows:
        if censoring == "right":  # f* above the grid
            lo, hi = fractions[-1], 1.0
        elif censoring == "left":  # below it
            lo, hi = fractions[0] / 10, fractions[0]
        else:  # an open side of an interval reaches the grid's end
            lo = low if low is not None else fractions[0] / 10
            hi = high if high is not None else 1.0
        c = out.setdefault((group, augment), [math.inf, 0.0, []])
        c[0], c[1] = min(c[0], lo / widen), max(c[1], min(1.0, hi * widen))
        c[2].append(eps)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("db")
    ap.add_argument("--sweep", required=True, help="the coarse sweep's name")
    ap.add_argument("--spec", required=True, help="the coarse spec ([train] and [sweep] copied)")
    ap.add_argument("--name", required=True, help="the fine sweep's name")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--points", type=int, default=7, help="fractions per cell")
    ap.add_argument("--widen", type=float, default=1.0)
    ap.add_argument("--steps", type=int, help="override [train] steps")
    ap.add_argument("--groups", help="comma-separated group specs to keep (default: all)")
    a = ap.parse_args()
    if a.points < 2:
        fail("--points must be >= 2")
    if not a.widen >= 1.0:
        fail("--widen must be >= 1")
    try:
        with open(a.spec, "rb") as f:
            spec = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        fail(f"{a.spec}: {e}")
    keep = set(a.groups.split(",")) if a.groups else None
    ranges = cell_ranges(a.db, a.sweep, a.widen)
    if keep is not None:
        missing = keep - {g for g, _ in ranges}
        if missing:
            fail(f"--groups: {', '.join(sorted(missing))} not among the coarse sweep's cells")

    grid = spec.get("grid", {})
    fixed = {k: v for k, v in grid.items() if k not in ("group", "augment", "data_fraction")}
    sweep = dict(spec.get("sweep", {}))
    sweep["name"], sweep["seeds"] = a.name, a.seeds
    train = dict(spec.get("train", {}))
    if a.steps is not None:
        train["steps"] = a.steps

    out = [f"# Fine pass made by refine_grid.py from sweep \"{a.sweep}\" in {a.db}:",
           f"# {a.points} fractions per cell over its f* intervals (widened x{a.widen:g}).",
           "[sweep]"]
    out += [f"{k} = {toml_value(v)}" for k, v in sweep.items()]
    out += ["", "[train]"] + [f"{k} = {toml_value(v)}" for k, v in train.items()]
    for (group, augment), (lo, hi, eps) in ranges.items():
        if keep is not None and group not in keep:
            continue
        hi = max(hi, lo * 1.01)
        out += ["", "[[grid]]", f"# f* intervals over eps {', '.join(f'{e:g}' for e in sorted(eps))}",
                f"group = {toml_value([group])}", f"augment = {toml_value([augment])}"]
        out += [f"{k} = {toml_value(v)}" for k, v in fixed.items()]
        out.append(f"data_fraction = {{logspace = [{lo:.6g}, {hi:.6g}, {a.points}]}}")
    print("\n".join(out))


if __name__ == "__main__":
    main()
