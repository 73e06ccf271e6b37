"""Irreducible characters from the class algebra (Burnside's method).

For conjugacy classes K_1 = {e}, K_2, ..., K_r pick a representative z_k of each class and count
    N[i, j, k] = #{(x, y) in K_i x K_j : x y = z_k},
the structure constants of the class sums: K_i K_j = sum_k N[i, j, k] K_k. Every irreducible
character chi of degree d gives a homomorphism of the class algebra to C, K_i -> w_i with
w_i = |K_i| chi(z_i) / d, hence w_i w_j = sum_k N[i, j, k] w_k: the vector w is a common
eigenvector of the r matrices (M_i)[j, k] = N[i, j, k] (M_i w = w_i w), normalised by w_1 = 1.
There are exactly r such vectors. The degree follows from the first orthogonality relation,
sum_k |K_k| |chi(z_k)|^2 = n, i.e. d^2 sum_k |w_k|^2 / |K_k| = n.

The common eigenvectors are those of one generic combination sum_i t_i M_i (its eigenvalues are
then distinct); each is checked against every M_i separately.
"""
import numpy as np


def class_structure_constants(group):
    classes = group.classes
    r = len(classes)
    reps = np.array([c[0] for c in classes])
    constants = np.zeros((r, r, r))
    for i, ki in enumerate(classes):
        for j, kj in enumerate(classes):
            products = group.table[np.ix_(ki, kj)].ravel()
            counts = np.bincount(products, minlength=group.n)
            constants[i, j, :] = counts[reps]
    return constants


def character_table(group, seed=2024, attempts=10):
    """r x n complex array: row = one irreducible character evaluated on every element.

    Rows are in no particular order. Raises RuntimeError when no combination of the class
    matrices separates the characters (never expected: r attempts with random weights).
    """
    constants = class_structure_constants(group)
    r = constants.shape[0]
    sizes = np.array([len(c) for c in group.classes], dtype=float)
    rng = np.random.default_rng(seed)
    for _ in range(attempts):
        weights = rng.uniform(0.5, 1.5, size=r)
        combined = np.tensordot(weights, constants, axes=1)        # sum_i t_i M_i
        values, vectors = np.linalg.eig(combined)
        spread = np.abs(values[:, None] - values[None, :]) + np.eye(r) * 1e300
        if spread.min() < 1e-6 * max(1.0, np.abs(values).max()):
            continue                                                # not generic enough
        table = []
        for col in range(r):
            w = vectors[:, col] / vectors[0, col]                   # w for the identity class = 1
            residual = max(np.abs(constants[i] @ w - w[i] * w).max() for i in range(r))
            if residual > 1e-8 * max(1.0, np.abs(w).max() ** 2):
                break
            degree = np.sqrt(group.n / np.sum(np.abs(w) ** 2 / sizes))
            d = int(round(degree))
            if abs(degree - d) > 1e-8:
                break
            on_classes = d * w / sizes
            table.append(on_classes[group.class_of])
        else:
            return np.array(table)
    raise RuntimeError("the class matrices did not yield a full set of characters")
