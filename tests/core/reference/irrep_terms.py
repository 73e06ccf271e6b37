#!/usr/bin/env python3
"""Per-irrep loss terms of one network, for tests/core/test_irreps.cpp (NumpyReference).

Usage: irrep_terms.py TABLE.npy PARTICLES.npy OUT.npy
  TABLE.npy      n x n float64 Cayley table, table[x, y] = index of x*y
  PARTICLES.npy  q x 3n float64 particles, columns w_a | w_b | w_c (any means)
  OUT.npy        written: one row per non-trivial irrep (trivial first, then by degree),
                 [d, indicator, l, rho, gap2, cross, sq, Re chi(0..n-1), Im chi(0..n-1)]
                 l from the outputs (route 1 of loss_terms.py), the rest from explicit
                 monomial-potential tensors (route 2); gap2 = ||M_tau - I_tau||_F^2, and
                 cross + sq = the irrep's off-target terms.

The irreps come from representations.py (characters by Burnside's method, matrices from
induced representations), not from the C++ code's method. Before writing, the script checks its
two routes against each other and the loss identity against the directly summed loss; exit
code 3 if they disagree (the reference itself would be wrong), 2 on bad usage.
Needs numpy (Debian's /usr/bin/python3 with python3-numpy).
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from loss_terms import from_outputs, from_potentials  # noqa: E402
from representations import irreducible_representations  # noqa: E402

TOLERANCE = 1e-9


def main(argv):
    if len(argv) != 4:
        sys.stderr.write(__doc__)
        return 2
    table_path, particles_path, out_path = argv[1:]
    irreps, group = irreducible_representations(np.load(table_path))
    z = np.load(particles_path)
    n = group.n
    if z.ndim != 2 or z.shape[1] != 3 * n:
        sys.stderr.write(f"irrep_terms.py: particles of shape {z.shape}; expected q x {3 * n}\n")
        return 2
    a, b, c = z[:, :n], z[:, n:2 * n], z[:, 2 * n:]
    route1, loss = from_outputs(group, irreps, a, b, c)
    route2 = from_potentials(group, irreps, a, b, c)

    scale = max(abs(t['l']) for t in route1)
    disagreement = max(max(abs(t1['l'] - t2['l']), abs(t1['sq'] - t2['sq']))
                       for t1, t2 in zip(route1, route2))
    identity = n * sum(t['l'] for t in route1) + n * (n - 1)
    if disagreement > TOLERANCE * scale or abs(identity - loss) > TOLERANCE * loss:
        sys.stderr.write(f"irrep_terms.py: the reference's routes disagree (per irrep "
                         f"{disagreement:.3e} of scale {scale:.3e}; identity {identity!r} "
                         f"against loss {loss!r})\n")
        return 3

    rows = [[r.dim, r.indicator, t1['l'], t2['rho'], t2['gap2'], t2['cross'], t2['sq']] +
            list(r.character.real) + list(r.character.imag)
            for r, t1, t2 in zip(irreps[1:], route1, route2)]
    np.save(out_path, np.array(rows, dtype=np.float64))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
