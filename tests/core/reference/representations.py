"""Unitary irreducible representations from characters and induced representations.

This is deliberately not the C++ method (core/irreps.cpp splits the regular representation with
random elements of its commutant). Here, for an irreducible character chi of degree d:

1. Look for a cyclic subgroup C = <c> and a linear character lam of C,
   lam(c^j) = exp(2 pi i j k / |C|), that occurs exactly once in chi restricted to C:
       <chi|C, lam> = (1/|C|) sum_j chi(c^j) conj(lam(c^j)) = 1.
   Elements are tried by decreasing order, so the induced representation below is small.
2. Induce lam to G. With left coset representatives t_1 .. t_m of C (m = n/|C|),
       Ind(g)[a, b] = lam(t_a^-1 g t_b)   if t_a^-1 g t_b lies in C, else 0,
   an m x m unitary monomial matrix. By Frobenius reciprocity Ind contains the irreducible
   representation of chi exactly <chi|C, lam> = 1 times.
3. The central idempotent (d/n) sum_g conj(chi(g)) Ind(g) is the orthogonal projector onto
   that one copy. An orthonormal basis V (m x d) of its range gives rho(g) = V^H Ind(g) V.

One-dimensional characters are their own representation. No real forms are built: everything the
reference is compared on (characters, indicators, the per-irrep loss terms) is unchanged by a
unitary change of basis. The Frobenius-Schur indicator is (1/n) sum_g chi(g^2).
"""
from dataclasses import dataclass

import numpy as np

from characters import character_table
from finite_group import FiniteGroup


@dataclass
class Irrep:
    dim: int
    matrices: np.ndarray      # (n, dim, dim) complex, matrices[g] = rho(g)
    character: np.ndarray     # (n,) complex, the traces
    indicator: int            # Frobenius-Schur: +1 real, 0 complex, -1 quaternionic
    indicator_value: complex  # the unrounded (1/n) sum_g chi(g^2)

    def is_trivial(self):
        return self.dim == 1 and np.allclose(self.character, 1.0)


def _isolating_subgroup(group, chi):
    """(powers of c, k) with <chi|<c>, lam_k> = 1, or None; elements by decreasing order."""
    by_order = sorted(range(group.n), key=lambda x: -group.order_of(x))
    for c in by_order:
        powers = group.cyclic_subgroup(c)
        size = len(powers)
        roots = np.exp(2j * np.pi * np.arange(size) / size)
        for k in range(size):
            if abs(np.vdot(roots ** k, chi[powers]) / size - 1.0) < 1e-6:
                return powers, k
    return None


def _induced_representation(group, powers, k):
    """Ind_{<c>}^G lam_k as an array (n, m, m) of unitary monomial matrices."""
    t, n, size = group.table, group.n, len(powers)
    log_in_subgroup = np.full(n, -1)
    log_in_subgroup[powers] = np.arange(size)          # c^j -> j, elsewhere -1
    transversal = []
    covered = np.zeros(n, dtype=bool)
    for x in range(n):                                  # one representative per coset x C
        if not covered[x]:
            transversal.append(x)
            covered[t[x, powers]] = True
    transversal = np.array(transversal)
    inverse_reps = group.inv[transversal]
    m = len(transversal)
    matrices = np.zeros((n, m, m), dtype=complex)
    for g in range(n):
        inner = t[inverse_reps[:, None], t[g, transversal][None, :]]   # t_a^-1 g t_b
        j = log_in_subgroup[inner]
        rows, cols = np.nonzero(j >= 0)
        matrices[g, rows, cols] = np.exp(2j * np.pi * k * j[rows, cols] / size)
    return matrices


def _irrep_of(group, chi):
    d = int(round(chi[group.e].real))
    if d == 1:
        return chi.reshape(-1, 1, 1).astype(complex)
    found = _isolating_subgroup(group, chi)
    if found is None:
        raise RuntimeError(f"no cyclic subgroup isolates the irreducible character of degree {d} "
                           "with multiplicity one")
    induced = _induced_representation(group, *found)
    projector = (d / group.n) * np.tensordot(np.conj(chi), induced, axes=1)
    values, vectors = np.linalg.eigh((projector + projector.conj().T) / 2)
    keep = values > 0.5
    if keep.sum() != d:
        raise RuntimeError("the central idempotent does not have rank d")
    basis = vectors[:, keep]                                        # m x d, orthonormal
    return basis.conj().T[None, :, :] @ induced @ basis[None, :, :]  # V^H Ind(g) V


def irreducible_representations(table):
    """(list of Irrep, FiniteGroup): trivial first, then by dimension and indicator."""
    group = table if isinstance(table, FiniteGroup) else FiniteGroup(table)
    squares = group.table[np.arange(group.n), np.arange(group.n)]
    irreps = []
    for chi in character_table(group):
        matrices = _irrep_of(group, chi)
        character = np.einsum('gii->g', matrices)
        nu = np.mean(character[squares])
        irreps.append(Irrep(matrices.shape[1], matrices, character, int(round(nu.real)), nu))
    irreps.sort(key=lambda r: (not r.is_trivial(), r.dim, -r.indicator))
    return irreps, group


def verification(group, irreps):
    """Largest violation of each property of a complete set of unitary irreps."""
    n, t = group.n, group.table
    report = dict(count=abs(len(irreps) - len(group.classes)),
                  sum_d2=abs(sum(r.dim ** 2 for r in irreps) - n),
                  homomorphism=0.0, identity=0.0, unitarity=0.0, indicator=0.0)
    for r in irreps:
        eye = np.eye(r.dim)
        for g in range(n):
            # rho(g) rho(h) against rho(gh) for every h at once.
            products = r.matrices[g] @ r.matrices
            report['homomorphism'] = max(report['homomorphism'],
                                         np.abs(products - r.matrices[t[g]]).max())
            report['unitarity'] = max(report['unitarity'],
                                      np.abs(r.matrices[g] @ r.matrices[g].conj().T - eye).max())
        report['identity'] = max(report['identity'], np.abs(r.matrices[group.e] - eye).max())
        report['indicator'] = max(report['indicator'], abs(r.indicator_value - r.indicator))
    # All matrix coefficients sqrt(d/n) rho_ab(.) as the columns of one n x n matrix: unitary.
    columns = np.hstack([np.sqrt(r.dim / n) * r.matrices.reshape(n, r.dim * r.dim) for r in irreps])
    gram = columns.conj().T @ columns
    report['schur'] = np.abs(gram - np.eye(len(gram))).max() if gram.shape == (n, n) else 1.0
    chars = np.vstack([r.character for r in irreps])
    report['characters'] = np.abs(chars.conj() @ chars.T / n - np.eye(len(irreps))).max()
    return report
