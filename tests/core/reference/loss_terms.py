"""The full-data loss of the quadratic network split over the irreps of the output axis.

Network (docs/model.md): o(x, y)[z] = (1/q) sum_j c_j[z] (a_j[x] + b_j[y])^2 with residual
r(x, y) = o(x, y) / (2n) - e_{xy}; the loss over all n^2 pairs is L = sum_{x,y} ||P r(x, y)||^2.
Every per-irrep quantity is computed by two unrelated routes, which must agree:

Route 1, from the outputs, with no monomial potential. The tau-isotypic projector of functions
on G, Pi_tau[z, w] = (d/n) conj(chi(z w^-1)), splits the residual energy by irrep: L = sum of
L_tau = sum_{x,y} ||Pi_tau r(x, y)||^2 over tau != 1 (the trivial part is what P removes). The
one-hot target alone puts n d^2 into L_tau, hence l_tau = L_tau / n - d^2 and
L = n sum_tau l_tau + n (n - 1). The square terms are the same projection applied to the parts of
(a[x] + b[y])^2 that depend on x alone, on y alone or on neither (see Parts).

Route 2, from explicit monomial-potential tensors (docs/potentials.md): with the coefficients
A = (1/n) sum_g a~[g] rho(g)^H (a~ centred; B likewise), C = (1/n) sum_g c[g] tau(g) and S_p
those of the single-variable parts s_p,
  l_tau = -2 d Re E tr(B A C) + d sum_{rho,sigma} d_rho d_sigma ||E vecA (x) vecB (x) vecC||^2
          + (d/4) ||E t vecC||^2 + (d/4) sum_{rho != 1} d_rho (||E vecS_a vecC^T||^2
          + ||E vecS_b vecC^T||^2),
all tensors built explicitly (flattened: vec(X)[a d + b] = X[a, b]).

Reported per non-trivial irrep: l (both routes), rho = Re E tr(B A C) / d, gap2 = ||M - I||^2
with M = d^2 E vecA (x) vecB (x) vecC for tau itself and I the 0/1 tensor that is 1 where the
indices are (A_ji, B_lj, C_il), cross = the (rho, sigma) != (tau, tau) part of the second term,
and sq = the square terms.
"""
from dataclasses import dataclass

import numpy as np


@dataclass
class Parts:
    """(a[x] + b[y])^2 = 2 a~[x] b~[y] + s_a[x] + s_b[y] + t, mutually orthogonal in (x, y).

    With a = a~ + m_a 1, b = b~ + m_b 1 (m_a, m_b the means over the group axis), m = m_a + m_b:
    s_a = a~^2 + 2 m a~ - mean(a~^2) (centred), s_b likewise, t = mean(a~^2) + mean(b~^2) + m^2.
    """
    a: np.ndarray   # a~, (q, n)
    b: np.ndarray   # b~
    sa: np.ndarray
    sb: np.ndarray
    t: np.ndarray   # (q,)

    @staticmethod
    def of(a, b):
        m = a.mean(axis=1) + b.mean(axis=1)
        ac = a - a.mean(axis=1, keepdims=True)
        bc = b - b.mean(axis=1, keepdims=True)
        mean_a2, mean_b2 = (ac ** 2).mean(axis=1), (bc ** 2).mean(axis=1)
        sa = ac ** 2 + 2 * m[:, None] * ac - mean_a2[:, None]
        sb = bc ** 2 + 2 * m[:, None] * bc - mean_b2[:, None]
        return Parts(ac, bc, sa, sb, mean_a2 + mean_b2 + m ** 2)


def network_outputs(a, b, c):
    """o[x, y, z] for particles given as rows of a, b, c (each q x n)."""
    hidden = np.square(a[:, :, None] + b[:, None, :])                 # (q, x, y)
    return np.tensordot(hidden, c, axes=([0], [0])) / len(a)


def _isotypic_energy(vectors, group, irrep):
    """sum over rows v of ||Pi_tau v||^2 = v^T Pi_tau v, for real rows v on the group axis."""
    pi = (irrep.dim / group.n) * np.conj(irrep.character[group.table[:, group.inv]])
    rows = vectors.reshape(-1, group.n)
    return float(np.real(np.sum((rows @ pi.T) * rows)))


def from_outputs(group, irreps, a, b, c):
    """Route 1. Returns ([{'l', 'sq'} per non-trivial irrep], L)."""
    n, q = group.n, len(a)
    residual = network_outputs(a, b, c) / (2 * n)
    x, y = np.meshgrid(np.arange(n), np.arange(n), indexing='ij')
    residual[x, y, group.table] -= 1.0
    parts = Parts.of(a, b)
    left, right, constant = parts.sa.T @ c / q, parts.sb.T @ c / q, parts.t @ c / q
    terms = []
    for irrep in irreps[1:]:
        energy = _isotypic_energy(residual, group, irrep)
        # Over all (x, y): each single-variable part repeats n times, the constant n^2 times.
        squares = (n * _isotypic_energy(left, group, irrep)
                   + n * _isotypic_energy(right, group, irrep)
                   + n * n * _isotypic_energy(constant, group, irrep)) / (2 * n) ** 2
        terms.append(dict(l=energy / n - irrep.dim ** 2, sq=squares / n))
    total = float(np.sum((residual - residual.mean(axis=2, keepdims=True)) ** 2))
    return terms, total


def _coefficients(weights, irrep, conjugate_transpose):
    """Flattened Fourier coefficients, (q, d^2): (1/n) sum_g w[g] rho(g)^H (input side) or
    (1/n) sum_g w[g] rho(g) (output side)."""
    mats = irrep.matrices
    if conjugate_transpose:
        mats = np.conj(np.transpose(mats, (0, 2, 1)))
    return weights @ mats.reshape(len(mats), -1) / weights.shape[1]


def _unit_tensor(d):
    """The 0/1 tensor of tr(B A C) = sum_{ijl} A_ji B_lj C_il in flattened coordinates."""
    ones = np.zeros((d * d,) * 3)
    for i, j, l in np.ndindex(d, d, d):
        ones[j * d + i, l * d + j, i * d + l] = 1.0
    return ones


def from_potentials(group, irreps, a, b, c):
    """Route 2. Returns [{'l', 'rho', 'rho_imag', 'gap2', 'cross', 'sq'}] per non-trivial irrep."""
    q = len(a)
    parts = Parts.of(a, b)
    coeff_a = [_coefficients(parts.a, r, True) for r in irreps]
    coeff_b = [_coefficients(parts.b, r, True) for r in irreps]
    coeff_sa = [_coefficients(parts.sa, r, True) for r in irreps]
    coeff_sb = [_coefficients(parts.sb, r, True) for r in irreps]
    terms = []
    for tau in range(1, len(irreps)):
        d = irreps[tau].dim
        coeff_c = _coefficients(c, irreps[tau], False)
        shape = (q, d, d)
        mean_trace = np.mean(np.trace(coeff_b[tau].reshape(shape) @ coeff_a[tau].reshape(shape)
                                      @ coeff_c.reshape(shape), axis1=1, axis2=2))
        cross = 0.0
        for rho in range(1, len(irreps)):
            for sigma in range(1, len(irreps)):
                r_tensor = np.einsum('ja,jb,jc->abc', coeff_a[rho], coeff_b[sigma], coeff_c) / q
                weight = d * irreps[rho].dim * irreps[sigma].dim
                if rho == tau and sigma == tau:
                    diagonal = weight * np.sum(np.abs(r_tensor) ** 2)
                    gap2 = np.sum(np.abs(d * d * r_tensor - _unit_tensor(d)) ** 2)
                else:
                    cross += weight * np.sum(np.abs(r_tensor) ** 2)
        squares = d / 4 * np.sum(np.abs(parts.t @ coeff_c / q) ** 2)
        for rho in range(1, len(irreps)):
            pair = [coeff_sa[rho].T @ coeff_c / q, coeff_sb[rho].T @ coeff_c / q]
            squares += d / 4 * irreps[rho].dim * sum(np.sum(np.abs(s) ** 2) for s in pair)
        terms.append(dict(l=-2 * d * mean_trace.real + diagonal + cross + squares,
                          rho=mean_trace.real / d, rho_imag=mean_trace.imag / d, gap2=gap2,
                          cross=cross, sq=squares))
    return terms
