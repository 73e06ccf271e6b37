#include "commands/compose_command.hpp"

#include <fmt/core.h>

#include <charconv>
#include <filesystem>
#include <optional>
#include <string>

#include "symsweep/core/algebra.hpp"
#include "symsweep/core/error.hpp"
#include "symsweep/core/npy.hpp"
#include "symsweep/core/potentials.hpp"
#include "commands/cli.hpp"

namespace symsweep::sweeps {

namespace {

/// Above this many complex products (n^3 q over the operands and the result) the homomorphism
/// check is skipped and said so: about a minute on one core.
constexpr double kMaxCheckProducts = 3e10;

double parse_factor(const std::string& text) {
  double c = 0.0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, c);
  if (text.empty() || ec != std::errc() || ptr != end || !std::isfinite(c)) {
    throw InputError(fmt::format("compose scale: c \"{}\" is not a finite number", text));
  }
  return c;
}

/// A weighted particle set for absorb: q x (3n + 1), the last column the weights.
core::Measure load_weighted(const std::string& path, const core::Group& g) {
  const Eigen::MatrixXd w = core::read_npy(path);
  const int n = g.order();
  if (w.rows() < 1 || w.cols() != 3 * static_cast<Eigen::Index>(n) + 1) {
    throw InputError(fmt::format(
        "compose absorb: A \"{}\": a {} x {} matrix, but a weighted particle set on {} (n = {}) "
        "has one row per particle and 3n + 1 = {} columns (w_a | w_b | w_c | weight)",
        path, w.rows(), w.cols(), g.spec(), n, 3 * n + 1));
  }
  if (!w.allFinite()) {
    throw InputError(fmt::format("compose absorb: A \"{}\": not every value is finite", path));
  }
  core::Measure mu;
  mu.z = w.leftCols(3 * n);
  mu.m = w.col(3 * n);
  return mu;
}

void expect_args(const ComposeOptions& o, std::size_t count, const char* usage) {
  if (o.args.size() != count) {
    throw InputError(fmt::format("compose {}: expected {} (got {} operand{})", o.op, usage,
                                 o.args.size(), o.args.size() == 1 ? "" : "s"));
  }
}

}  // namespace

int run_compose(const ComposeOptions& o) {
  remember_gap_answers_of(o.args);  // a gap: group needs no GAP for DB:RUN operands
  const core::Group g = core::make_group(o.eval.group);
  const int n = g.order();
  if (o.out.empty()) throw InputError("compose: --out C.npy is required");
  {
    const auto dir = std::filesystem::absolute(o.out).parent_path();
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
      throw InputError(fmt::format("compose: --out \"{}\": directory {} does not exist", o.out,
                                   dir.string()));
    }
  }
  auto network = [&](std::size_t i, const char* name) {
    return core::network_measure(
        load_network(o.args[i], g, fmt::format("compose {}: {}", o.op, name)), n);
  };

  // The result and, where the homomorphism predicts its MPs, the operands it is predicted from.
  core::Measure result;
  std::vector<core::Measure> operands;
  double factor = 1.0;
  if (o.op == "sum" || o.op == "product") {
    expect_args(o, 2, "two networks A B");
    operands = {network(0, "A"), network(1, "B")};
    result = o.op == "sum" ? core::measure_sum(operands[0], operands[1])
                           : core::measure_product(g, operands[0], operands[1]);
  } else if (o.op == "scale") {
    expect_args(o, 2, "a network A and a factor c");
    factor = parse_factor(o.args[1]);
    operands = {network(0, "A")};
    result = core::measure_scale(operands[0], factor);
  } else if (o.op == "one" || o.op == "zero") {
    expect_args(o, 0, "no operand");
    result = o.op == "one" ? core::measure_one(g) : core::measure_zero(n);
  } else if (o.op == "absorb") {
    expect_args(o, 1, "one weighted particle set A (q x (3n+1) .npy)");
    operands = {load_weighted(o.args[0], g)};
    result = operands[0];
  } else {
    throw InputError(fmt::format(
        "compose: OP \"{}\": expected sum, product, scale, one, zero or absorb", o.op));
  }
  const Eigen::MatrixXd plain = core::absorb(result);
  core::write_npy(o.out, plain);

  // The homomorphism check on the network as written (its weights absorbed).
  std::optional<double> error;
  std::string note;
  if (!operands.empty()) {
    if (!g.is_abelian()) {
      note = fmt::format("{} has no characters: the degree-3 MPs are not computed", g.spec());
    } else {
      double cost = static_cast<double>(plain.rows());
      for (const core::Measure& m : operands) cost += static_cast<double>(m.size());
      cost *= 3.0 * n * n * static_cast<double>(n);
      if (cost > kMaxCheckProducts) {
        note = fmt::format("the check would take {:.2g} complex products (the limit is {:.2g})",
                           cost, kMaxCheckProducts);
      } else {
        const core::DualGroup dual(g);
        const core::Degree3Potentials got =
            core::degree3_potentials(core::network_measure(plain, n), dual);
        std::vector<core::Degree3Potentials> of;
        of.reserve(operands.size());
        for (const core::Measure& m : operands) of.push_back(core::degree3_potentials(m, dual));
        const core::Degree3Potentials want =
            o.op == "sum"       ? core::potentials_sum(of[0], of[1])
            : o.op == "product" ? core::potentials_product(of[0], of[1])
            : o.op == "scale"   ? core::potentials_scale(of[0], factor)
                                : of[0];
        error = core::relative_deviation(got, want);
      }
    }
  }

  nlohmann::json j = report_network(g, plain, o.eval);
  if (o.eval.json) {
    j["op"] = o.op;
    j["out"] = o.out;
    j["homomorphism_error"] = error ? nlohmann::json(*error) : nlohmann::json(nullptr);
    j["homomorphism_note"] = note.empty() ? nlohmann::json(nullptr) : nlohmann::json(note);
    fmt::print("{}\n", j.dump());
  } else {
    fmt::print("wrote {} ({} x {})\n", o.out, plain.rows(), plain.cols());
    if (error) fmt::print("  homomorphism error {:.3g} (relative, over every degree-3 MP)\n", *error);
    if (!note.empty()) fmt::print("  homomorphism error not measured: {}\n", note);
  }
  return kExitOk;
}

}  // namespace symsweep::sweeps
