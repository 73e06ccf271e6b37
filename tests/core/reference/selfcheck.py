#!/usr/bin/env python3
"""Checks the reference against mathematics alone, before any C++ result is compared with it.

1. Irreps of groups built here (cyclic, products, dihedral, Q_8, A_4, S_4, SL(2,3), A_5, S_5,
   Z_3 x S_3, D_50): homomorphism, identity, unitarity, Schur orthogonality, character
   orthonormality, #irreps = #classes, sum d^2 = n, integral indicators, and the known degrees
   and indicators where the C++ tests state them too.
2. At random particles with non-zero means: the two routes of loss_terms.py agree per irrep, and
   n sum l_tau + n(n-1) equals the directly summed loss.
3. A control that must fail: the same particles scored with another group's irreps of the same
   order (so the checks above can tell right from wrong).

Exit 0 when everything holds, 1 otherwise, 77 when numpy is missing (ctest reports a skip).
"""
import os
import sys

try:
    import numpy as np
except ImportError:
    print("selfcheck.py: numpy is missing (apt-get install python3-numpy); skipped")
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import finite_group as fg  # noqa: E402
from loss_terms import from_outputs, from_potentials  # noqa: E402
from representations import irreducible_representations, verification  # noqa: E402

GROUPS = {
    "Z_7": (fg.cyclic(7), None),
    "Z_3xZ_4": (fg.direct_product(fg.cyclic(3), fg.cyclic(4)), None),
    "Z_2xZ_2xZ_2": (fg.direct_product(fg.cyclic(2), fg.cyclic(2), fg.cyclic(2)), None),
    "D_5": (fg.dihedral(5), [(1, 1), (1, 1), (2, 1), (2, 1)]),
    "D_6": (fg.dihedral(6), [(1, 1)] * 4 + [(2, 1)] * 2),
    "Q_8": (fg.quaternion(), [(1, 1)] * 4 + [(2, -1)]),
    "A_4": (fg.alternating(4), [(1, 1), (1, 0), (1, 0), (3, 1)]),
    "S_4": (fg.symmetric(4), [(1, 1), (1, 1), (2, 1), (3, 1), (3, 1)]),
    "SL(2,3)": (fg.special_linear_2(3), [(1, 1), (1, 0), (1, 0), (2, 0), (2, 0), (2, -1), (3, 1)]),
    "Z_3xS_3": (fg.direct_product(fg.cyclic(3), fg.symmetric(3)), None),
    "A_5": (fg.alternating(5), [(1, 1), (3, 1), (3, 1), (4, 1), (5, 1)]),
    "S_5": (fg.symmetric(5), [(1, 1), (1, 1), (4, 1), (4, 1), (5, 1), (5, 1), (6, 1)]),
    "D_50": (fg.dihedral(50), [(1, 1)] * 4 + [(2, 1)] * 24),
}
LOSS_GROUPS = ["Z_7", "Z_3xZ_4", "D_5", "Q_8", "A_4", "S_4", "SL(2,3)", "Z_3xS_3", "A_5"]


def main():
    failures = []
    irreps_of = {}
    print(f"{'group':12s} {'n':>4s} {'irreps':>6s} {'worst property error':>21s}")
    for name, (table, known) in GROUPS.items():
        irreps, group = irreducible_representations(table)
        irreps_of[name] = (irreps, group)
        errors = verification(group, irreps)
        exact = errors.pop('count') + errors.pop('sum_d2')
        worst = max(errors.values())
        print(f"{name:12s} {group.n:4d} {len(irreps):6d} {worst:21.2e}")
        if exact != 0 or worst > 1e-10:
            failures.append(f"{name}: irreps fail their verification ({errors})")
        found = [(r.dim, r.indicator) for r in irreps]
        if known is not None and found != known:
            failures.append(f"{name}: degrees and indicators {found}, expected {known}")

    rng = np.random.default_rng(20261123)
    print(f"\n{'group':12s} {'loss':>12s} {'identity err':>13s} {'routes err':>11s}")
    for name in LOSS_GROUPS:
        irreps, group = irreps_of[name]
        n = group.n
        a, b, c = (1.2 * rng.normal(size=(17, n)) + rng.normal() for _ in range(3))
        route1, loss = from_outputs(group, irreps, a, b, c)
        route2 = from_potentials(group, irreps, a, b, c)
        scale = max(abs(t['l']) for t in route1)
        routes = max(max(abs(t1['l'] - t2['l']), abs(t1['sq'] - t2['sq']))
                     for t1, t2 in zip(route1, route2)) / scale
        identity = abs(n * sum(t['l'] for t in route2) + n * (n - 1) - loss) / loss
        print(f"{name:12s} {loss:12.5e} {identity:13.2e} {routes:11.2e}")
        if routes > 1e-10 or identity > 1e-10:
            failures.append(f"{name}: loss terms disagree (identity {identity:.2e}, "
                            f"routes {routes:.2e})")

    # Control: S_4's particles with the irreps of another group of order 24 (SL(2,3)).
    irreps, _ = irreps_of["SL(2,3)"]
    _, s4 = irreps_of["S_4"]
    a, b, c = (rng.normal(size=(17, 24)) for _ in range(3))
    _, loss = from_outputs(s4, irreps_of["S_4"][0], a, b, c)
    wrong = from_potentials(s4, irreps, a, b, c)
    # Relative to the particle-dependent part of the loss, L - n(n-1).
    mismatch = abs(24 * sum(t['l'] for t in wrong) + 24 * 23 - loss) / abs(loss - 24 * 23)
    print(f"\ncontrol: S_4 particles with SL(2,3)'s irreps: identity error {mismatch:.2e} "
          f"(must be large)")
    if mismatch < 1e-3:
        failures.append("control: the identity held with another group's irreps")

    for f in failures:
        print("FAIL", f)
    print("selfcheck:", "ok" if not failures else f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
