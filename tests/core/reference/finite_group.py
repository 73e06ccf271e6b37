"""Cayley tables: validation, the basic structure, and a few families for the self-check.

A group is an n x n integer array `table` with table[x, y] = the index of x*y. Nothing here
assumes that element 0 is the identity or that the table comes from a particular family.
"""
import itertools

import numpy as np


class FiniteGroup:
    """A validated Cayley table with its identity, inverses and conjugacy classes."""

    def __init__(self, table):
        t = np.asarray(np.rint(table), dtype=np.int64)
        if t.ndim != 2 or t.shape[0] != t.shape[1]:
            raise ValueError(f"a Cayley table must be square, got shape {t.shape}")
        n = t.shape[0]
        if t.min() < 0 or t.max() >= n:
            raise ValueError("table entries must lie in 0..n-1")
        # Every row and every column a permutation: a Latin square.
        ordered = np.arange(n)
        if not (np.all(np.sort(t, axis=1) == ordered) and np.all(np.sort(t, axis=0).T == ordered)):
            raise ValueError("the table is not a Latin square")
        identities = np.flatnonzero(np.all(t == ordered[None, :], axis=1))
        if len(identities) != 1:
            raise ValueError("the table has no unique identity")
        e = int(identities[0])
        if not np.array_equal(t[:, e], ordered):
            raise ValueError("the identity is not two-sided")
        # (xy)z against x(yz) for all triples at once.
        if not np.array_equal(t[t], t[ordered[:, None, None], t[None, :, :]]):
            raise ValueError("the table is not associative")
        self.table, self.n, self.e = t, n, e
        self.inv = np.argmax(t == e, axis=1)
        self.classes, self.class_of = self._classes()

    def _classes(self):
        """Conjugacy classes, the identity's first, then by smallest element."""
        t, inv, n = self.table, self.inv, self.n
        # conj[h, x] = h x h^-1
        conj = t[t, inv[:, None]]
        class_of = np.full(n, -1, dtype=np.int64)
        classes = []
        for x in [self.e] + list(range(n)):
            if class_of[x] < 0:
                members = np.unique(conj[:, x])
                class_of[members] = len(classes)
                classes.append(members)
        return classes, class_of

    def order_of(self, x):
        k, y = 1, x
        while y != self.e:
            y, k = self.table[y, x], k + 1
        return k

    def cyclic_subgroup(self, x):
        """The powers e, x, x^2, ... of x, in that order."""
        powers = [self.e]
        while True:
            nxt = self.table[powers[-1], x]
            if nxt == self.e:
                return np.array(powers)
            powers.append(nxt)


def _table_from_elements(elements, multiply):
    index = {x: i for i, x in enumerate(elements)}
    return np.array([[index[multiply(x, y)] for y in elements] for x in elements], dtype=np.int64)


def cyclic(n):
    r = np.arange(n)
    return (r[:, None] + r[None, :]) % n


def direct_product(*tables):
    """Direct product of the tables: (x_1, .., x_k) has the mixed-radix index, last fastest."""
    result = np.zeros((1, 1), dtype=np.int64)
    for t in tables:
        m = len(t)
        result = (result[:, None, :, None] * m + t[None, :, None, :]).reshape(
            len(result) * m, len(result) * m)
    return result


def dihedral(m):
    """D_m of order 2m: r^i s^j has index i + m j, and s r = r^-1 s."""
    def multiply(x, y):
        (i, j), (k, l) = x, y
        return ((i + (k if j == 0 else -k)) % m, (j + l) % 2)
    return _table_from_elements([(i, j) for j in range(2) for i in range(m)], multiply)


def _parity(p):
    inversions = sum(1 for i in range(len(p)) for j in range(i + 1, len(p)) if p[i] > p[j])
    return inversions % 2


def symmetric(k):
    """S_k: all permutations of k points, (p q)(i) = p(q(i))."""
    elements = list(itertools.permutations(range(k)))
    return _table_from_elements(elements, lambda p, q: tuple(p[q[i]] for i in range(k)))


def alternating(k):
    elements = [p for p in itertools.permutations(range(k)) if _parity(p) == 0]
    return _table_from_elements(elements, lambda p, q: tuple(p[q[i]] for i in range(k)))


def special_linear_2(p):
    """SL(2, p): the 2 x 2 matrices over Z_p of determinant 1."""
    elements = [(a, b, c, d) for a, b, c, d in itertools.product(range(p), repeat=4)
                if (a * d - b * c) % p == 1]

    def multiply(x, y):
        a, b, c, d = x
        e, f, g, h = y
        return ((a * e + b * g) % p, (a * f + b * h) % p, (c * e + d * g) % p, (c * f + d * h) % p)
    return _table_from_elements(elements, multiply)


def quaternion():
    """Q_8 as the 2 x 2 complex matrices +-1, +-i, +-j, +-k (entries in {0, +-1, +-i})."""
    one = np.eye(2, dtype=complex)
    qi = np.array([[1j, 0], [0, -1j]])
    qj = np.array([[0, 1], [-1, 0]], dtype=complex)
    units = [s * u for u in (one, qi, qj, qi @ qj) for s in (1, -1)]
    key = [tuple(np.round(u, 6).ravel()) for u in units]

    def multiply(x, y):
        return key.index(tuple(np.round(units[x] @ units[y], 6).ravel()))
    return _table_from_elements(list(range(8)), multiply)
