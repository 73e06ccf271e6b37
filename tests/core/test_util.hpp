#pragma once

#include <Eigen/Dense>
#include <cctype>
#include <cstdint>
#include <string>

#include "random.hpp"

namespace symsweep::test {

/// q x 3n standard normal particles from a fixed stream.
inline Eigen::MatrixXd random_particles(std::int64_t q, int n, std::uint64_t seed) {
  core::Rng rng(seed, 12345);
  Eigen::MatrixXd z(q, 3 * n);
  for (Eigen::Index j = 0; j < z.rows(); ++j) {
    for (Eigen::Index i = 0; i < z.cols(); ++i) z(j, i) = rng.normal();
  }
  return z;
}

/// Removes each particle's mean over the group axis, block by block (w_a, w_b, w_c).
inline void center_blocks(Eigen::MatrixXd& z) {
  const Eigen::Index n = z.cols() / 3;
  for (int b = 0; b < 3; ++b) {
    auto block = z.middleCols(b * n, n);
    block.colwise() -= block.rowwise().mean();
  }
}

/// A GoogleTest parameter name from a group spec ("product:2x3" -> "product_2x3").
inline std::string param_name(std::string spec) {
  for (char& c : spec) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return spec;
}

}  // namespace symsweep::test
