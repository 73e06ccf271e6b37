"""Per-irrep MP quantities from the numpy reference prototype, for tests/core/test_irreps.cpp.

The reference itself is not part of this repository: its directory (SCIENCE.md's
anchors/irreps, with irreps.py and loss_identity.py) is the first argument.

Usage: python3 irreps_reference.py REFERENCE_DIR TABLE.npy PARTICLES.npy OUT.npy
  TABLE.npy      n x n float64 Cayley table (table[x, y] = index of x*y)
  PARTICLES.npy  q x 3n float64 particles, columns w_a | w_b | w_c
  OUT.npy        written: one row per non-trivial irrep, in the reference's order,
                 [d, indicator, l, rho, gap2, cross, sq, Re chi(0..n-1), Im chi(0..n-1)]
                 from loss_identity.decomposition_direct (gap2 = ||M_tau - I_tau||_F^2,
                 cross + sq = the irrep's off-target terms).
Needs numpy (Debian's /usr/bin/python3).
"""
import sys

import numpy as np


def main(argv):
    if len(argv) != 5:
        sys.stderr.write(__doc__)
        return 2
    reference, table_path, particles_path, out_path = argv[1:]
    sys.path.insert(0, reference)
    from irreps import irreducible_representations
    from loss_identity import decomposition_direct

    table = np.rint(np.load(table_path)).astype(np.int64)
    z = np.load(particles_path)
    n = table.shape[0]
    a, b, c = z[:, :n], z[:, n:2 * n], z[:, 2 * n:]
    irreps, _ = irreducible_representations(table, seed=7)
    rows = []
    for x in decomposition_direct(irreps, a, b, c):
        r = irreps[x['tau']]
        rows.append([x['d'], r['fs'], x['l'], x['rho'], x['gap2'], x['cross'], x['sq']] +
                    list(np.real(r['chi'])) + list(np.imag(r['chi'])))
    np.save(out_path, np.array(rows, dtype=np.float64))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
