#include <gtest/gtest.h>

#include "symsweep/core/circuits.hpp"
#include "symsweep/core/error.hpp"
#include "symsweep/core/model.hpp"
#include "symsweep/core/potentials.hpp"
#include "tests/core/test_util.hpp"

namespace symsweep::core {
namespace {

Evaluation evaluate_all(const Eigen::MatrixXd& z, const Group& g) {
  LocalReducer local;
  return evaluate(particles_from_stacked<double>(z, ShardRange{0, z.rows()}), all_pairs(g),
                  local);
}

struct CosineCase {
  const char* group;
  int per_frequency;
};

class CosineCircuit : public ::testing::TestWithParam<CosineCase> {};

TEST_P(CosineCircuit, IsPerfectlyAccurate) {
  const Group g = make_group(GetParam().group);
  for (std::uint64_t seed : {0, 1, 2, 3, 4}) {
    const Eigen::MatrixXd z = cosine_circuit(g, GetParam().per_frequency, seed);
    EXPECT_EQ(z.rows(), (g.order() - 1) * GetParam().per_frequency);
    EXPECT_EQ(evaluate_all(z, g).accuracy, 1.0) << GetParam().group << " seed " << seed;
  }
}

INSTANTIATE_TEST_SUITE_P(Groups, CosineCircuit,
                         ::testing::Values(CosineCase{"cyclic:7", 16}, CosineCase{"cyclic:23", 8},
                                           CosineCase{"cyclic:97", 4},
                                           CosineCase{"product:3x5", 16}),
                         [](const auto& info) { return test::param_name(info.param.group); });

TEST(CosineCircuit, OneNeuronPerFrequencyIsNotEnough) {
  // docs/potentials.md: Z_23 with one neuron per frequency averages 67 % (48-81 %).
  const Group g = make_group("cyclic:23");
  double sum = 0.0;
  for (std::uint64_t seed = 0; seed < 10; ++seed) sum += evaluate_all(cosine_circuit(g, 1, seed), g).accuracy;
  EXPECT_LT(sum / 10.0, 0.95);
}

void expect_exact(const Eigen::MatrixXd& z, const Group& g) {
  const Evaluation ev = evaluate_all(z, g);
  EXPECT_LT(ev.loss, 1e-12) << g.spec();
  EXPECT_EQ(ev.accuracy, 1.0) << g.spec();
  const DualGroup dual(g);
  LocalReducer local;
  const MpSummary mp = monomial_potentials(fourier_coords(z, dual), z.rows(), dual, local);
  EXPECT_LT(mp.binary_gap, 1e-12) << g.spec();
  EXPECT_LT(mp.max_offtarget, 1e-12) << g.spec();
  for (const auto& r : mp.rho_kkk) EXPECT_LT(std::abs(r - 1.0), 1e-12) << g.spec();
}

TEST(ExactSolution, GridSolvesOddAbelianGroups) {
  for (const char* spec : {"cyclic:7", "cyclic:23", "product:3x3", "product:3x5"}) {
    const Group g = make_group(spec);
    const Eigen::MatrixXd z = exact_grid_solution(g);
    EXPECT_EQ(z.rows(), 9 * (g.order() - 1) / 2);
    expect_exact(z, g);
  }
  EXPECT_THROW(exact_grid_solution(make_group("cyclic:8")), InputError);
}

TEST(ExactSolution, CharacterConstructionSolvesEveryAbelianGroup) {
  for (const char* spec : {"cyclic:2", "cyclic:6", "cyclic:12", "product:2x4", "product:2x2x3"}) {
    const Group g = make_group(spec);
    expect_exact(exact_character_solution(g), g);
  }
}

TEST(ExactSolution, PerturbedSolutionIsNotExact) {
  // The checks above can fail: a small perturbation shows up in loss and gap.
  const Group g = make_group("cyclic:7");
  Eigen::MatrixXd z = exact_grid_solution(g);
  z(0, 0) += 1e-3;
  const DualGroup dual(g);
  LocalReducer local;
  EXPECT_GT(evaluate_all(z, g).loss, 1e-14);
  EXPECT_GT(monomial_potentials(fourier_coords(z, dual), z.rows(), dual, local).binary_gap, 1e-6);
}

}  // namespace
}  // namespace symsweep::core
