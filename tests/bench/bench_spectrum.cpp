// bench_spectrum: the cost of one Hessian spectrum (core::hessian_spectrum, both ends, k
// eigenvalues each) as a multiple of one training step, one thread. The network is trained first
// (--trained-steps AdamW steps of the case, as a logged step would meet it mid-run); then, at
// those particles, the median time of loss_and_gradient in f32 (the step's products; the AdamW
// update is a few percent on top) and of one Hessian-vector product and one spectrum in f64.
// One JSON line per case on stdout. A benchmark, not a test: it never fails on slowness.
// --dense adds the exact counts of a dense eigendecomposition, to see the quadrature's error.

#include <CLI/CLI.hpp>
#include <Eigen/Dense>
#include <Eigen/Eigenvalues>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "symsweep/core/data.hpp"
#include "symsweep/core/group.hpp"
#include "symsweep/core/hessian.hpp"
#include "symsweep/core/model.hpp"
#include "symsweep/core/reducer.hpp"
#include "symsweep/core/run.hpp"
#include "tests/bench/bench_util.hpp"

namespace {
using namespace symsweep;
using namespace symsweep::bench;

/// The exact counts the quadrature estimates, from the dense Hessian (column by column from
/// Hessian-vector products) and a dense eigendecomposition: cubic in 3nq, small cases only.
nlohmann::json dense_counts(const core::Particles<double>& p, const core::Samples& train,
                            const core::Head& head, double threshold) {
  core::LocalReducer local;
  const int n = p.n();
  const Eigen::Index q = p.local_count();
  const Eigen::Index dim = 3 * n * q;
  Eigen::MatrixXd hess(dim, dim);
  core::Gradient<double> v, out;
  for (Eigen::Index col = 0; col < dim; ++col) {
    v.a.setZero(q, n);
    v.b.setZero(q, n);
    v.c.setZero(q, n);
    const Eigen::Index j = col / (3 * n), r = col % (3 * n);
    (r < n ? v.a : r < 2 * n ? v.b : v.c)(j, r % n) = 1.0;
    core::hessian_vector_product(p, train, local, head, v, out);
    for (Eigen::Index jj = 0; jj < q; ++jj) {
      hess.block(jj * 3 * n, col, n, 1) = out.a.row(jj).transpose();
      hess.block(jj * 3 * n + n, col, n, 1) = out.b.row(jj).transpose();
      hess.block(jj * 3 * n + 2 * n, col, n, 1) = out.c.row(jj).transpose();
    }
  }
  const Eigen::MatrixXd sym = 0.5 * (hess + hess.transpose());
  const Eigen::VectorXd e =
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(sym, Eigen::EigenvaluesOnly).eigenvalues();
  const double cut = threshold * e.cwiseAbs().maxCoeff();
  double negative = 0.0, large = 0.0, eff = 0.0;
  for (const double l : e) {
    negative += l < -cut ? 1.0 : 0.0;
    large += l > cut ? 1.0 : 0.0;
    eff += l > 0.0 ? l / (l + cut) : 0.0;
  }
  return {{"negative", negative},
          {"large", large},
          {"effective_dimension", eff},
          {"largest", e[dim - 1]},
          {"smallest", e[0]}};
}

nlohmann::json run_case(const Case& cs, const CaseOptions& o, std::int64_t trained, int k,
                        double tolerance, int probes, int steps, bool dense) {
  core::RunConfig rc;
  rc.group = "cyclic:" + std::to_string(cs.n);
  rc.data_fraction = cs.f;
  rc.train = train_config(cs, o.seed);
  rc.train.steps = trained;
  core::GroupContextCache cache;
  core::LocalReducer local;
  Eigen::MatrixXd z;
  core::execute_run(rc, local, cache, {}, &z);
  const core::Group g = core::make_group(rc.group);
  const core::Split split = core::make_split(g, cs.f, {g.identity()}, o.seed);
  const core::Head head = core::head_of(rc.train, g);
  const auto p32 = core::particles_from_stacked<float>(z, core::ShardRange{0, z.rows()});
  const auto p64 = core::particles_from_stacked<double>(z, core::ShardRange{0, z.rows()});

  core::Workspace<float> ws;
  core::Gradient<float> grad;
  auto step = [&] { core::loss_and_gradient(p32, split.train, local, ws, grad, head); };
  const double t_step = median(per_call(o.reps, calibrate(0.2, step), step));
  core::Gradient<double> v, out;
  v.a = p64.a, v.b = p64.b, v.c = p64.c;
  auto hvp = [&] { core::hessian_vector_product(p64, split.train, local, head, v, out); };
  const double t_hvp = median(per_call(o.reps, calibrate(0.2, hvp), hvp));
  core::SpectrumOptions so;
  so.k = k;
  so.tolerance = tolerance;
  so.probes = probes;
  so.quadrature_steps = steps;
  core::Spectrum sp;
  std::vector<double> t_spec;
  for (int r = 0; r < o.reps; ++r) {
    const auto t0 = Clock::now();
    sp = core::hessian_spectrum(p64, split.train, local, head, so);
    t_spec.push_back(elapsed(t0));
  }
  const double spec = median(t_spec);
  nlohmann::json j;
  j["case"] = cs.name;
  j["n"] = cs.n;
  j["q"] = cs.q;
  j["f"] = cs.f;
  j["trained_steps"] = trained;
  j["k"] = k;
  j["tolerance"] = tolerance;
  j["step_ms"] = 1e3 * t_step;
  j["hvp_ms"] = 1e3 * t_hvp;
  j["spectrum_ms"] = 1e3 * spec;
  j["products"] = sp.products;
  j["converged"] = sp.converged;
  j["spectrum_in_steps"] = spec / t_step;
  j["hvp_in_steps"] = t_hvp / t_step;
  j["negative"] = sp.negative;
  j["large"] = sp.large;
  j["largest"] = sp.largest.empty() ? 0.0 : sp.largest.front();
  j["smallest"] = sp.smallest.empty() ? 0.0 : sp.smallest.front();
  j["probes"] = probes;
  j["quadrature_steps"] = steps;
  if (sp.density) {
    j["negative_est"] = sp.density->negative;
    j["negative_se"] = sp.density->negative_se;
    j["large_est"] = sp.density->large;
    j["large_se"] = sp.density->large_se;
    j["effective_dimension"] = sp.density->effective_dimension;
  }
  if (dense) j["dense"] = dense_counts(p64, split.train, head, so.threshold);
  return j;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"the cost of one Hessian spectrum in training steps (one thread)"};
  CaseOptions o{{"S"}};
  o.reps = 3;
  add_case_options(app, o);
  std::int64_t trained = 1000;
  int k = core::SpectrumOptions{}.k;
  double tolerance = core::SpectrumOptions{}.tolerance;
  app.add_option("--trained-steps", trained, "AdamW steps before the measurement")
      ->capture_default_str();
  app.add_option("--k", k, "eigenvalues at each end")->capture_default_str();
  app.add_option("--tolerance", tolerance, "Lanczos tolerance (relative to the scale)")
      ->capture_default_str();
  int probes = core::SpectrumOptions{}.probes;
  int steps = core::SpectrumOptions{}.quadrature_steps;
  app.add_option("--probes", probes, "quadrature probes (0: the ends alone)")
      ->capture_default_str();
  app.add_option("--quadrature-steps", steps, "Lanczos steps per probe")->capture_default_str();
  bool dense = false;
  app.add_flag("--dense", dense,
               "also the exact counts from a dense eigendecomposition (3nq up to a few "
               "thousand)");
  CLI11_PARSE(app, argc, argv);
  for (const Case& c : selected_cases(o)) {
    std::cout << run_case(c, o, trained, k, tolerance, probes, steps, dense).dump() << std::endl;
  }
  return 0;
}
