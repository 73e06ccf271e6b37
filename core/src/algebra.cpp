#include "symsweep/core/algebra.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "symsweep/core/error.hpp"

namespace symsweep::core {

namespace {

void check_same_group(const Measure& a, const Measure& b, const char* op) {
  if (a.z.cols() != b.z.cols()) {
    throw InputError(std::string(op) + ": the two networks have " + std::to_string(a.z.cols()) +
                     " and " + std::to_string(b.z.cols()) +
                     " columns: they are not networks on one group");
  }
}

/// (1/n)(u * v)[s] = (1/n) sum_x u[x] v[x^-1 s] for one block of n weights.
void convolve(const Group& g, const double* u, const double* v, double* out) {
  const int n = g.order();
  std::fill(out, out + n, 0.0);
  for (int x = 0; x < n; ++x) {
    if (u[x] == 0.0) continue;
    for (int y = 0; y < n; ++y) out[g.mul(x, y)] += u[x] * v[y];  // s = x y
  }
  const double inv_n = 1.0 / n;
  for (int s = 0; s < n; ++s) out[s] *= inv_n;
}

using Tensor = std::vector<std::complex<double>>;

template <typename F>
Degree3Potentials combine(const Degree3Potentials& x, const Degree3Potentials& y, F f) {
  auto one = [&](const Tensor& p, const Tensor& q) {
    if (p.size() != q.size()) throw InputError("MP tensors of different sizes");
    Tensor out(p.size());
    for (std::size_t i = 0; i < p.size(); ++i) out[i] = f(p[i], q[i]);
    return out;
  };
  return {one(x.abc, y.abc), one(x.aac, y.aac), one(x.bbc, y.bbc)};
}

}  // namespace

Measure network_measure(const Eigen::MatrixXd& network, int n) {
  if (n < 1 || network.cols() != 3 * static_cast<Eigen::Index>(n)) {
    throw InputError("a " + std::to_string(network.rows()) + " x " +
                     std::to_string(network.cols()) + " matrix is not a network on a group of order " +
                     std::to_string(n) + ": it needs 3n = " + std::to_string(3 * n) +
                     " columns (w_a | w_b | w_c)");
  }
  if (network.rows() < 1) throw InputError("a network needs at least one particle (row)");
  if (!network.allFinite()) throw InputError("a network's weights must all be finite");
  Measure mu;
  mu.z = network;
  mu.m = Eigen::VectorXd::Constant(network.rows(), 1.0 / static_cast<double>(network.rows()));
  return mu;
}

Measure measure_sum(const Measure& a, const Measure& b) {
  check_same_group(a, b, "sum");
  Measure mu;
  mu.z.resize(a.size() + b.size(), a.z.cols());
  mu.z.topRows(a.size()) = a.z;
  mu.z.bottomRows(b.size()) = b.z;
  mu.m.resize(a.size() + b.size());
  mu.m.head(a.size()) = a.m;
  mu.m.tail(b.size()) = b.m;
  return mu;
}

Measure measure_product(const Group& g, const Measure& a, const Measure& b) {
  check_same_group(a, b, "product");
  const int n = g.order();
  if (a.z.cols() != 3 * static_cast<Eigen::Index>(n)) {
    throw InputError("product: networks with " + std::to_string(a.z.cols()) +
                     " columns are not networks on " + g.spec() + " (3n = " +
                     std::to_string(3 * n) + ")");
  }
  if (!g.is_abelian()) {
    throw InputError(
        "product: " + g.spec() +
        " is not abelian. The product of measures multiplies Fourier coordinates, which for a "
        "non-abelian group are the matrices of its irreps: they do not commute, and the product "
        "does not preserve the MPs (an exact solution times itself has rho = 1/d^2 on every irrep "
        "of degree d > 1). sum and scale work on any group");
  }
  Measure mu;
  const Eigen::Index qa = a.size(), qb = b.size();
  mu.z.resize(qa * qb, 3 * n);
  mu.m.resize(qa * qb);
  // Row-major scratch rows so that each block of n weights is contiguous.
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> za = a.z, zb = b.z;
  Eigen::RowVectorXd out(3 * n);
  for (Eigen::Index i = 0; i < qa; ++i) {
    for (Eigen::Index j = 0; j < qb; ++j) {
      for (int block = 0; block < 3; ++block) {
        convolve(g, za.row(i).data() + block * n, zb.row(j).data() + block * n,
                 out.data() + block * n);
      }
      mu.z.row(i * qb + j) = out;
      mu.m[i * qb + j] = a.m[i] * b.m[j];
    }
  }
  return mu;
}

Measure measure_scale(const Measure& a, double c) {
  if (!std::isfinite(c)) throw InputError("scale: the factor must be finite");
  Measure mu = a;
  mu.m *= c;
  return mu;
}

Measure measure_one(const Group& g) {
  const int n = g.order();
  Measure mu;
  mu.z = Eigen::MatrixXd::Zero(1, 3 * n);
  for (int block = 0; block < 3; ++block) mu.z(0, block * n + g.identity()) = n;
  mu.m = Eigen::VectorXd::Ones(1);
  return mu;
}

Measure measure_zero(int n) {
  Measure mu;
  mu.z.resize(0, 3 * static_cast<Eigen::Index>(n));
  mu.m.resize(0);
  return mu;
}

Eigen::MatrixXd absorb(const Measure& mu) {
  if (mu.size() == 0) return Eigen::MatrixXd::Zero(1, mu.z.cols());
  const auto q = static_cast<double>(mu.size());
  Eigen::MatrixXd z = mu.z;
  for (Eigen::Index j = 0; j < mu.size(); ++j) z.row(j) *= std::cbrt(mu.m[j] * q);
  return z;
}

Eigen::MatrixXd measure_outputs(const Measure& mu) {
  const int n = mu.n();
  Eigen::MatrixXd o = Eigen::MatrixXd::Zero(n, static_cast<Eigen::Index>(n) * n);
  if (mu.size() == 0) return o;
  const auto wa = mu.z.leftCols(n), wb = mu.z.middleCols(n, n);
  const Eigen::MatrixXd wc = mu.m.asDiagonal() * mu.z.rightCols(n);  // q x n
  Eigen::MatrixXd s(mu.size(), n);
  for (int a1 = 0; a1 < n; ++a1) {
    for (int a2 = 0; a2 < n; ++a2) s.col(a2) = (wa.col(a1) + wb.col(a2)).array().square();
    o.middleCols(static_cast<Eigen::Index>(a1) * n, n).noalias() = wc.transpose() * s;
  }
  return o;
}

Degree3Potentials degree3_potentials(const Measure& mu, const DualGroup& dual) {
  const int n = dual.order();
  if (mu.n() != n) {
    throw InputError("MPs: a network with " + std::to_string(mu.z.cols()) +
                     " columns is not one on a group of order " + std::to_string(n));
  }
  const auto nn = static_cast<Eigen::Index>(n) * n;
  Eigen::MatrixXcd tabc = Eigen::MatrixXcd::Zero(nn, n), taac = tabc, tbbc = tabc;
  // Blocks of particles: P(j, k1 + n k2) = x_{j,k1} y_{j,k2}, then T = P^T (m o c), one matrix
  // product per block and tensor (memory: block x n^2).
  const Eigen::Index block = std::max<Eigen::Index>(1, (Eigen::Index{1} << 20) / std::max<Eigen::Index>(nn, 1));
  Eigen::MatrixXcd pab, paa, pbb;
  for (Eigen::Index begin = 0; begin < mu.size(); begin += block) {
    const Eigen::Index cnt = std::min(block, mu.size() - begin);
    const FourierCoords f = fourier_coords(mu.z.middleRows(begin, cnt), dual);
    const Eigen::MatrixXcd wc = mu.m.segment(begin, cnt).cast<std::complex<double>>().asDiagonal() * f.c;
    pab.resize(cnt, nn);
    paa.resize(cnt, nn);
    pbb.resize(cnt, nn);
    for (int k2 = 0; k2 < n; ++k2) {
      for (int k1 = 0; k1 < n; ++k1) {
        const Eigen::Index col = k1 + static_cast<Eigen::Index>(n) * k2;
        pab.col(col) = f.a.col(k1).cwiseProduct(f.b.col(k2));
        paa.col(col) = f.a.col(k1).cwiseProduct(f.a.col(k2));
        pbb.col(col) = f.b.col(k1).cwiseProduct(f.b.col(k2));
      }
    }
    tabc.noalias() += pab.transpose() * wc;
    taac.noalias() += paa.transpose() * wc;
    tbbc.noalias() += pbb.transpose() * wc;
  }
  // Entry (k1 * n + k2) * n + k of the result is T(k1 + n k2, k).
  auto flat = [&](const Eigen::MatrixXcd& t) {
    Tensor out(static_cast<std::size_t>(nn) * n);
    for (int k1 = 0; k1 < n; ++k1) {
      for (int k2 = 0; k2 < n; ++k2) {
        for (int k = 0; k < n; ++k) {
          out[(static_cast<std::size_t>(k1) * n + k2) * n + k] =
              t(k1 + static_cast<Eigen::Index>(n) * k2, k);
        }
      }
    }
    return out;
  };
  return {flat(tabc), flat(taac), flat(tbbc)};
}

double relative_deviation(const Degree3Potentials& got, const Degree3Potentials& want) {
  double dev = 0.0, scale = 0.0;
  auto one = [&](const Tensor& g, const Tensor& w) {
    if (g.size() != w.size()) throw InputError("MP tensors of different sizes");
    for (std::size_t i = 0; i < g.size(); ++i) {
      dev = std::max(dev, std::abs(g[i] - w[i]));
      scale = std::max(scale, std::abs(w[i]));
    }
  };
  one(got.abc, want.abc);
  one(got.aac, want.aac);
  one(got.bbc, want.bbc);
  return scale > 0.0 ? dev / scale : dev;
}

Degree3Potentials potentials_sum(const Degree3Potentials& x, const Degree3Potentials& y) {
  return combine(x, y, [](std::complex<double> p, std::complex<double> q) { return p + q; });
}

Degree3Potentials potentials_product(const Degree3Potentials& x, const Degree3Potentials& y) {
  return combine(x, y, [](std::complex<double> p, std::complex<double> q) { return p * q; });
}

Degree3Potentials potentials_scale(const Degree3Potentials& x, double c) {
  return combine(x, x, [c](std::complex<double> p, std::complex<double>) { return c * p; });
}

}  // namespace symsweep::core
