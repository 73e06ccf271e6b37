#include "commands/irreps_command.hpp"

#include <fmt/core.h>

#include <cmath>
#include <complex>
#include <nlohmann/json.hpp>

#include "symsweep/core/irreps.hpp"

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

}  // namespace

int run_irreps(const std::string& spec, bool json) {
  const core::Group g = core::make_group(spec);
  const core::IrrepSet irreps(g);
  const Eigen::MatrixXcd chi = irreps.character_table();
  const auto& classes = irreps.classes();

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
    j["max_verification_error"] = irreps.check().max_error();
    fmt::print("{}\n", j.dump());
    return 0;
  }

  fmt::print("{}: order {}, {}, {} conjugacy classes, {} irreducible representations\n", g.spec(),
             g.order(), g.is_abelian() ? "abelian" : "non-abelian", classes.size(),
             irreps.size());
  fmt::print("verified to {:.1e} (homomorphism, unitarity, Schur orthogonality)\n\n",
             irreps.check().max_error());
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
