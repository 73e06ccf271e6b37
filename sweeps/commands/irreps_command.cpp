#include "commands/irreps_command.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "symsweep/core/irreps.hpp"
#include "symsweep/core/potentials.hpp"

namespace symsweep::sweeps {

namespace {

/// A character value as text: integers and reals plainly, complex values as a + bi.
std::string format_value(std::complex<double> z) {
  auto clean = [](double x) { return std::abs(x) < 1e-10 ? 0.0 : x; };
  const double re = clean(z.real()), im = clean(z.imag());
  if (im == 0.0) return fmt::format("{:.4g}", re);
  if (re == 0.0) return fmt::format("{:.4g}i", im);
  return fmt::format("{:.4g}{:+.4g}i", re, im);
}

const char* indicator_name(int nu) {
  return nu > 0 ? "real" : nu == 0 ? "complex" : "quaternionic";
}

/// What the command prints of a group's irreps, from either route.
struct IrrepRow {
  int dim = 0, indicator = 0, conjugate = 0;
};
struct Characters {
  std::vector<std::vector<int>> classes;
  std::vector<IrrepRow> irreps;
  Eigen::MatrixXcd chi;  ///< irreps x classes
  double error = 0.0;    ///< the verification's largest error
  std::string verified;  ///< what was verified
  int size() const { return static_cast<int>(irreps.size()); }
  const IrrepRow& operator[](int i) const { return irreps[static_cast<std::size_t>(i)]; }
};

/// A non-abelian group: Dixon's method (core/irreps.hpp), verified in full.
Characters by_dixon(const core::Group& g) {
  const core::IrrepSet set(g);
  Characters c;
  c.classes = set.classes();
  for (const core::Irrep& r : set.irreps()) c.irreps.push_back({r.dim, r.indicator, r.conjugate});
  c.chi = set.character_table();
  c.error = set.check().max_error();
  c.verified = "homomorphism, unitarity, Schur orthogonality";
  return c;
}

/// An abelian group: its characters in closed form over a basis (core::DualGroup), one class
/// per element; chi_k real (indicator +1) exactly when k = -k. O(n^2), where Dixon's method
/// costs O(n^3) (cyclic:4096: seconds instead of hours). Verified: chi_k(ab) = chi_k(a) chi_k(b)
/// for every a, k and 16 elements b spread over the group.
Characters closed_form(const core::Group& g) {
  const core::DualGroup dual(g);
  const int n = g.order();
  Characters c;
  for (int a = 0; a < n; ++a) c.classes.push_back({a});
  for (int k = 0; k < n; ++k) c.irreps.push_back({1, dual.neg(k) == k ? 1 : 0, dual.neg(k)});
  const Eigen::MatrixXcd& x = dual.characters();  // X(a, k)
  c.chi = x.transpose();
  for (int s = 0; s < std::min(n, 16); ++s) {
    const int b = static_cast<int>(static_cast<long long>(s) * n / std::min(n, 16));
    for (int a = 0; a < n; ++a) {
      c.error = std::max(c.error, (x.row(g.mul(a, b)) - x.row(a).cwiseProduct(x.row(b))).cwiseAbs().maxCoeff());
    }
  }
  c.verified = "closed-form characters: chi(ab) = chi(a) chi(b) on 16 elements b";
  return c;
}

}  // namespace

int run_irreps(const std::string& spec, bool json) {
  const core::Group g = core::make_group(spec);
  const Characters irreps = g.is_abelian() ? closed_form(g) : by_dixon(g);
  const Eigen::MatrixXcd& chi = irreps.chi;
  const auto& classes = irreps.classes;

  if (json) {
    nlohmann::json j;
    j["group"] = g.spec();
    j["order"] = g.order();
    j["abelian"] = g.is_abelian();
    j["elements"] = g.names();
    nlohmann::json table = nlohmann::json::array();
    for (int a = 0; a < g.order(); ++a) {
      std::vector<int> row(static_cast<std::size_t>(g.order()));
      for (int b = 0; b < g.order(); ++b) row[b] = g.mul(a, b);
      table.push_back(row);
    }
    j["cayley_table"] = table;
    j["classes"] = classes;
    nlohmann::json list = nlohmann::json::array();
    for (int i = 0; i < irreps.size(); ++i) {
      nlohmann::json character = nlohmann::json::array();
      for (Eigen::Index c = 0; c < chi.cols(); ++c) {
        character.push_back({chi(i, c).real(), chi(i, c).imag()});
      }
      list.push_back({{"index", i},
                      {"dim", irreps[i].dim},
                      {"indicator", irreps[i].indicator},
                      {"conjugate", irreps[i].conjugate},
                      {"character", character}});
    }
    j["irreps"] = list;
    j["max_verification_error"] = irreps.error;
    fmt::print("{}\n", j.dump());
    return 0;
  }

  fmt::print("{}: order {}, {}, {} conjugacy classes, {} irreducible representations\n", g.spec(),
             g.order(), g.is_abelian() ? "abelian" : "non-abelian", classes.size(),
             irreps.size());
  fmt::print("verified to {:.1e} ({})\n\n", irreps.error, irreps.verified);
  fmt::print("{:>5} {:>4} {:>13} {:>9}\n", "irrep", "dim", "indicator", "conjugate");
  for (int i = 0; i < irreps.size(); ++i) {
    fmt::print("{:>5} {:>4} {:>3} {:>9} {:>9}\n", i, irreps[i].dim, irreps[i].indicator,
               indicator_name(irreps[i].indicator), irreps[i].conjugate);
  }
  fmt::print("\ncharacter table (columns: classes, represented by their first element)\n");
  std::vector<std::string> header;
  std::size_t width = 6;
  for (const auto& cls : classes) {
    header.push_back(fmt::format("{}[{}]", g.names()[cls.front()], cls.size()));
    width = std::max(width, header.back().size());
  }
  std::vector<std::vector<std::string>> cells(static_cast<std::size_t>(irreps.size()));
  for (int i = 0; i < irreps.size(); ++i) {
    for (Eigen::Index c = 0; c < chi.cols(); ++c) {
      cells[i].push_back(format_value(chi(i, c)));
      width = std::max(width, cells[i].back().size());
    }
  }
  fmt::print("{:>6}", "");
  for (const auto& h : header) fmt::print(" {:>{}}", h, width);
  fmt::print("\n");
  for (int i = 0; i < irreps.size(); ++i) {
    fmt::print("{:>6}", fmt::format("chi_{}", i));
    for (const auto& v : cells[i]) fmt::print(" {:>{}}", v, width);
    fmt::print("\n");
  }
  return 0;
}

}  // namespace symsweep::sweeps
