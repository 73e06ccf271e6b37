// core's kernels built per instruction-set level (docs/kernels.md): every level of the binary
// computes the same quantities, within rounding, on the same inputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "kernels/kernels.hpp"
#include "symsweep/core/data.hpp"
#include "symsweep/core/group.hpp"
#include "symsweep/core/isa.hpp"
#include "tests/core/test_util.hpp"

namespace symsweep::core {
namespace {

double rel(double a, double b) { return std::abs(a - b) / std::max(std::abs(b), 1e-300); }

template <typename M>
double rel_norm(const M& a, const M& b) {
  return (a - b).norm() / std::max(static_cast<double>(b.norm()), 1e-300);
}

TEST(Kernels, TheChosenLevelIsTheWidestThisCpuRuns) {
  const std::vector<std::string> levels = kernel_isas();
  ASSERT_FALSE(levels.empty());
#ifdef SYMSWEEP_TEST_PORTABLE
  EXPECT_EQ(levels, (std::vector<std::string>{"x86-64-v3", "x86-64-v4"}));
#else
  EXPECT_EQ(levels.size(), 1u);
#endif
  const char* env = std::getenv(kIsaVariable);
  if (env != nullptr && std::string(env) != "auto") {
    EXPECT_EQ(std::string(kernel_isa()), env);
    return;
  }
  std::string widest;
  for (const std::string& l : levels) {
    if (cpu_runs_isa(l)) widest = l;
  }
  EXPECT_EQ(kernel_isa(), widest);
  EXPECT_EQ(kernel_table_for(widest.c_str()), &kernels());
  EXPECT_EQ(kernel_table_for("x86-64-v9"), nullptr);
}

/// The two levels of a portable build (nullptr where the binary lacks one or the CPU cannot
/// run it).
struct Pair {
  const KernelTable* v3 = nullptr;
  const KernelTable* v4 = nullptr;
};
Pair both_levels() { return Pair{kernel_table_for("x86-64-v3"), kernel_table_for("x86-64-v4")}; }

TEST(Kernels, LevelsAgreeOnTheTrainingStep) {
  const Pair k = both_levels();
  if (k.v3 == nullptr || k.v4 == nullptr) {
    GTEST_SKIP() << "needs a portable build on a CPU with AVX-512 (this binary: "
                 << kernel_isas().size() << " level(s))";
  }
  // Distinct code, not one table under two names.
  ASSERT_NE(k.v3->f32.loss_and_gradient, k.v4->f32.loss_and_gradient);
  const Group g = make_group("cyclic:29");
  const Split split = make_split(g, 0.5, {g.identity()}, 1);
  LocalReducer local;
  {
    const auto p = init_particles<double>(29, 70, ShardRange{0, 70}, 0.6, 3);
    // Every loss, under the mean-field gain and an explicit one.
    for (const Head& head : {Head{}, Head{0.0, Loss::kMse}, Head{0.0, Loss::kCrossEntropy},
                            Head{0.02, Loss::kCentredMse}, Head{0.02, Loss::kCrossEntropy}}) {
      SCOPED_TRACE(to_string(head.loss));
      Workspace<double> w3, w4;
      Gradient<double> g3, g4;
      const double l3 = k.v3->f64.loss_and_gradient(p, split.train, local, w3, g3, head);
      const double l4 = k.v4->f64.loss_and_gradient(p, split.train, local, w4, g4, head);
      EXPECT_LT(rel(l4, l3), 1e-13);
      EXPECT_LT(rel_norm(g4.a, g3.a), 1e-13);
      EXPECT_LT(rel_norm(g4.b, g3.b), 1e-13);
      EXPECT_LT(rel_norm(g4.c, g3.c), 1e-13);
      const Evaluation e3 = k.v3->f64.evaluate(p, split.test, local, head);
      const Evaluation e4 = k.v4->f64.evaluate(p, split.test, local, head);
      EXPECT_LT(rel(e4.loss, e3.loss), 1e-13);
      EXPECT_EQ(e4.accuracy, e3.accuracy);
    }
    EXPECT_LT(rel_norm(k.v4->f64.outputs(p, split.test, local),
                       k.v3->f64.outputs(p, split.test, local)),
              1e-13);
  }
  {
    // f32: the levels sum in different orders (vector widths); agreement to f32 rounding.
    const auto p = init_particles<float>(29, 70, ShardRange{0, 70}, 0.6, 3);
    Workspace<float> w3, w4;
    Gradient<float> g3, g4;
    const double l3 = k.v3->f32.loss_and_gradient(p, split.train, local, w3, g3, Head{});
    const double l4 = k.v4->f32.loss_and_gradient(p, split.train, local, w4, g4, Head{});
    EXPECT_LT(rel(l4, l3), 1e-5);
    EXPECT_LT(rel_norm(g4.a, g3.a), 1e-5);
    EXPECT_LT(rel_norm(g4.c, g3.c), 1e-5);
    // One AdamW step and one gradient step from the same state.
    TrainConfig cfg;
    auto w_3 = p.a, w_4 = p.a;
    Particles<float>::Mat m3 = Particles<float>::Mat::Zero(70, 29), v3 = m3, m4 = m3, v4 = m3;
    k.v3->f32.adamw_update(w_3, g3.a, m3, v3, cfg, 0.1, 0.001);
    k.v4->f32.adamw_update(w_4, g3.a, m4, v4, cfg, 0.1, 0.001);
    EXPECT_LT(rel_norm(w_4, w_3), 1e-6);
    EXPECT_GT((w_3 - p.a).norm(), 1e-3 * p.a.norm());  // the step moved the weights
    k.v3->f32.gd_update(w_3, g3.a, 0.99F, 0.5F);
    k.v4->f32.gd_update(w_4, g3.a, 0.99F, 0.5F);
    EXPECT_LT(rel_norm(w_4, w_3), 1e-6);
  }
}

TEST(Kernels, LevelsAgreeOnTheLoggedMeasurements) {
  const Pair k = both_levels();
  if (k.v3 == nullptr || k.v4 == nullptr) {
    GTEST_SKIP() << "needs a portable build on a CPU with AVX-512";
  }
  const Group g = make_group("cyclic:31");
  const DualGroup dual(g);
  LocalReducer local;
  const Eigen::MatrixXd z = test::random_particles(40, 31, 7);
  const FourierCoords f3 = k.v3->fourier_coords(z, dual);
  const FourierCoords f4 = k.v4->fourier_coords(z, dual);
  EXPECT_LT(rel_norm(f4.a, f3.a), 1e-13);
  EXPECT_LT(rel_norm(f4.sq_b, f3.sq_b), 1e-13);
  const MpSummary m3 = k.v3->monomial_potentials(f3, 40, dual, local);
  const MpSummary m4 = k.v4->monomial_potentials(f3, 40, dual, local);
  ASSERT_EQ(m3.rho_kkk.size(), 30u);
  for (std::size_t i = 0; i < m3.rho_kkk.size(); ++i) {
    EXPECT_LT(std::abs(m4.rho_kkk[i] - m3.rho_kkk[i]), 1e-12 * std::abs(m3.rho_kkk[i]) + 1e-15);
  }
  EXPECT_LT(rel(m4.max_offtarget, m3.max_offtarget), 1e-12);
  EXPECT_LT(rel(m4.full_loss_sum_from_mps, m3.full_loss_sum_from_mps), 1e-12);
  const auto r3 = k.v3->rho_kkk(f3, 40, dual, local), r4 = k.v4->rho_kkk(f3, 40, dual, local);
  for (std::size_t i = 0; i < r3.size(); ++i) {
    EXPECT_LT(std::abs(r4[i] - r3[i]), 1e-12 * std::abs(r3[i]) + 1e-15);
  }
  EXPECT_LT(rel(k.v4->effective_dimension(z, local), k.v3->effective_dimension(z, local)), 1e-12);
  EXPECT_EQ(k.v4->frequencies_per_neuron(f3, 40, local), k.v3->frequencies_per_neuron(f3, 40, local));
}

}  // namespace
}  // namespace symsweep::core
