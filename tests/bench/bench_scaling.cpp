// bench_scaling: strong scaling of one training run over the ranks of one team, and the share of
// the step spent in the team's allreduce. Run under mpirun: every rank of MPI_COMM_WORLD is one
// team member, reducing through distributed::MpiReducer over (a duplicate of) the world
// communicator, exactly as a team of the scheduler does. Rank 0 prints one JSON line per case on
// stdout (progress on stderr). A benchmark, not a test: it never fails on slowness. See README.md
// and scaling.sh.
//
// Step time: core::train<float> itself (loss_and_gradient, the allreduce of the n x |T| output,
// the AdamW update), log_every = 0. train() also measures all metrics at step 0 and at the last
// step; as in bench_step that fixed cost is cancelled by differencing two runs from the same
// start: step = (median t(K) - median t(1)) / (K - 1), where t is the team's wall time (the
// slowest rank's, every run starting from a barrier). The allreduce time is differenced the same
// way from MpiReducer::seconds_in_reductions(), per rank. It is the time inside MPI_Allreduce,
// which includes waiting for the other ranks to arrive (load imbalance, a rank descheduled by
// other load), not only moving data; `allreduce_alone_ms` is the same allreduce timed on its own
// right after a barrier, i.e. the pure cost of the reduction.
//
// --stop-poll also times the step as the scheduler's teams run it: distributed::execute_on_team
// passes core::train a stop_requested callback (the team leader probes for the master's "stop
// now" message; every rank's answer is combined by one max-reduction per step). Here rank 0
// probes a duplicate of the world communicator and the callback always returns false; the
// runs with and without the poll are interleaved and `stop_poll` reports the difference.

#include <mpi.h>
#include <sched.h>
#include <time.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/mpi/collectives.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <cstdint>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "symsweep/core/blas.hpp"
#include "symsweep/core/data.hpp"
#include "symsweep/core/group.hpp"
#include "symsweep/core/model.hpp"
#include "symsweep/core/reducer.hpp"
#include "symsweep/core/train.hpp"
#include "symsweep/distributed/mpi_reducer.hpp"
#include "tests/bench/bench_util.hpp"

namespace {
using namespace symsweep::bench;

using namespace symsweep;
namespace mpi = boost::mpi;

/// The CPUs this rank may run on (mpirun's binding), e.g. "0" or "0-1".
std::string affinity() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return "?";
  std::string out;
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (!CPU_ISSET(c, &set)) continue;
    int e = c;
    while (e + 1 < CPU_SETSIZE && CPU_ISSET(e + 1, &set)) ++e;
    out += (out.empty() ? "" : ",") + std::to_string(c) + (e > c ? "-" + std::to_string(e) : "");
    c = e;
  }
  return out;
}

/// Collective on world. Rank 0 returns the JSON line; the others an empty object.
nlohmann::json run_case(const mpi::communicator& world, const Case& cs, int reps,
                        std::uint64_t seed, bool stop_poll) {
  const int P = world.size();
  const core::GroupContext task(core::make_group("cyclic:" + std::to_string(cs.n)));
  const core::Group& g = task.group();
  const core::Split split = core::make_split(g, cs.f, {g.identity()}, seed);
  const auto m = static_cast<std::int64_t>(split.train.size());
  const core::ShardRange shard = core::shard_range(cs.q, P, world.rank());
  const core::Particles<float> p0 = core::init_particles<float>(cs.n, cs.q, shard, 0.3, seed);
  distributed::MpiReducer reducer(world);
  const mpi::communicator probe_comm(world, mpi::comm_duplicate);
  core::TrainControl<float> control;  // what execute_on_team adds to every scheduled run
  control.stop_requested = [&] {
    return world.rank() == 0 && static_cast<bool>(probe_comm.iprobe(mpi::any_source, 15));
  };

  const core::TrainConfig cfg = train_config(cs, seed);

  struct Sample {
    double wall = 0.0;  // this rank's wall time of core::train
    double team = 0.0;  // the slowest rank's
    double reduce = 0.0, cpu = 0.0;
  };
  double last_loss = 0.0;
  auto time_train = [&](std::int64_t steps, bool poll = false) {
    core::Particles<float> p = p0;
    core::TrainConfig c = cfg;
    c.steps = steps;
    world.barrier();
    Sample s;
    const double r0 = reducer.seconds_in_reductions();
    const double c0 = cpu_seconds();
    const double t0 = MPI_Wtime();
    const core::TrainResult r =
        core::train<float>(task, split, c, p, reducer, {}, poll ? &control : nullptr);
    s.wall = MPI_Wtime() - t0;
    s.cpu = cpu_seconds() - c0;
    s.reduce = reducer.seconds_in_reductions() - r0;
    s.team = mpi::all_reduce(world, s.wall, mpi::maximum<double>());
    if (r.diverged || r.steps_done != steps) throw std::runtime_error("training diverged");
    last_loss = r.log.back().train_loss;
    return s;
  };

  if (world.rank() == 0) {
    std::cerr << "[bench_scaling] " << cs.name << ": Z_" << cs.n << " q " << cs.q << " f " << cs.f
              << " |T| " << m << " on " << P << " rank(s), " << cs.steps << " steps x " << reps
              << " reps\n";
  }
  time_train(std::min<std::int64_t>(cs.steps, 3));  // warm-up (allocations, caches, MPI paths)

  std::vector<Sample> sk, s1, pk, p1;  // interleaved so slow phases hit all alike
  for (int r = 0; r < reps; ++r) {
    sk.push_back(time_train(cs.steps));
    s1.push_back(time_train(1));
    if (stop_poll) {
      pk.push_back(time_train(cs.steps, true));
      p1.push_back(time_train(1, true));
    }
  }
  const double K1 = static_cast<double>(cs.steps - 1);
  auto diff_of = [&](const std::vector<Sample>& k, const std::vector<Sample>& one, auto field) {
    std::vector<double> a, b;
    for (const Sample& s : k) a.push_back(field(s));
    for (const Sample& s : one) b.push_back(field(s));
    return (median(a) - median(b)) / K1;
  };
  auto diff = [&](auto field) { return diff_of(sk, s1, field); };
  const double step_s = diff([](const Sample& s) { return s.team; });
  const double my_step_s = diff([](const Sample& s) { return s.wall; });
  const double my_reduce_s = diff([](const Sample& s) { return s.reduce; });
  const double my_cpu_s = diff([](const Sample& s) { return s.cpu; });
  std::vector<double> step_reps;
  for (int r = 0; r < reps; ++r) step_reps.push_back((sk[r].team - s1[r].team) / K1 * 1e3);

  // The allreduce of one step on its own: the n x |T| output, in place, right after a barrier.
  core::Particles<float>::Mat buf =
      core::Particles<float>::Mat::Random(cs.n, static_cast<Eigen::Index>(m));
  const int iters = 50;
  std::vector<double> alone;
  for (int r = 0; r < reps; ++r) {
    double t = 0.0;
    for (int i = 0; i < iters; ++i) {
      world.barrier();
      const double t0 = MPI_Wtime();
      reducer.sum(buf.data(), static_cast<std::size_t>(buf.size()));
      t += MPI_Wtime() - t0;
    }
    alone.push_back(t / iters);
  }
  const double alone_s = median(alone);

  // Local compute of one step's gradient on this rank's shard, without communication (a
  // LocalReducer: same flops, the sums are just not made global), all ranks at once.
  core::LocalReducer local;
  core::Workspace<float> ws;
  core::Gradient<float> grad;
  for (int w = 0; w < 2; ++w) core::loss_and_gradient(p0, split.train, local, ws, grad);
  std::vector<double> lg;
  for (int r = 0; r < reps; ++r) {
    world.barrier();
    const double t0 = MPI_Wtime();
    for (std::int64_t i = 0; i < cs.steps; ++i) {
      core::loss_and_gradient(p0, split.train, local, ws, grad);
    }
    lg.push_back((MPI_Wtime() - t0) / static_cast<double>(cs.steps));
  }
  const double lg_s = median(lg);

  double poll_step_s = 0.0, poll_reduce_s = 0.0;
  if (stop_poll) {
    poll_step_s = diff_of(pk, p1, [](const Sample& s) { return s.team; });
    const double mine = diff_of(pk, p1, [](const Sample& s) { return s.reduce; });
    poll_reduce_s = mpi::all_reduce(world, mine, std::plus<double>()) / P;
  }

  // Per-rank figures to rank 0.
  const std::vector<double> mine{my_step_s, my_reduce_s, my_cpu_s, lg_s, alone_s,
                                 static_cast<double>(shard.count)};
  std::vector<std::vector<double>> all;
  mpi::gather(world, mine, all, 0);
  std::vector<std::string> aff;
  mpi::gather(world, affinity(), aff, 0);
  if (world.rank() != 0) return {};

  nlohmann::json ranks = nlohmann::json::array();
  double reduce_sum = 0.0, reduce_max = 0.0, lg_max = 0.0, alone_max = 0.0;
  for (int r = 0; r < P; ++r) {
    const std::vector<double>& v = all[r];
    reduce_sum += v[1];
    reduce_max = std::max(reduce_max, v[1]);
    lg_max = std::max(lg_max, v[3]);
    alone_max = std::max(alone_max, v[4]);
    ranks.push_back({{"rank", r},
                     {"particles", static_cast<std::int64_t>(v[5])},
                     {"cpus", aff[r]},
                     {"step_ms", v[0] * 1e3},
                     {"allreduce_ms_per_step", v[1] * 1e3},
                     {"step_cpu_ms", v[2] * 1e3},
                     {"local_gradient_ms", v[3] * 1e3},
                     {"allreduce_alone_ms", v[4] * 1e3}});
  }
  const double reduce_mean = reduce_sum / P;
  const double flops = 6.0 * static_cast<double>(m) * static_cast<double>(cs.q) * cs.n;

  nlohmann::json j;
  j["bench"] = "scaling";
  j["case"] = cs.name;
  j["group"] = g.spec();
  j["n"] = cs.n;
  j["q"] = cs.q;
  j["f"] = cs.f;
  j["train_pairs"] = m;
  j["precision"] = "f32";
  j["optimizer"] = "adamw";
  j["ranks"] = P;
  j["steps"] = cs.steps;
  j["reps"] = reps;
  j["method"] =
      "core::train with MpiReducer(world), log_every 0; (median t(K) - median t(1)) / (K-1), t = "
      "slowest rank's wall time from a barrier";
  j["step_ms"] = step_s * 1e3;
  j["step_ms_reps"] = step_reps;
  j["step_gflops"] = flops / step_s * 1e-9;
  j["flops_per_step"] = flops;
  // Time inside MPI_Allreduce per step (differenced like the step), mean / max over the ranks.
  j["allreduce_ms_per_step"] = reduce_mean * 1e3;
  j["allreduce_ms_per_step_max"] = reduce_max * 1e3;
  j["comm_share"] = reduce_mean / step_s;
  j["allreduce_bytes"] = static_cast<std::int64_t>(cs.n) * m * 4;
  j["allreduce_alone_ms"] = alone_max * 1e3;  // the same allreduce, alone after a barrier
  j["local_gradient_ms"] = lg_max * 1e3;      // loss_and_gradient on a shard, no communication
  j["per_rank"] = ranks;
  if (stop_poll) {
    j["stop_poll"] = {{"step_ms", poll_step_s * 1e3},
                      {"extra_ms_per_step", (poll_step_s - step_s) * 1e3},
                      {"allreduce_ms_per_step", poll_reduce_s * 1e3}};
  }
  j["final_train_loss"] = last_loss;
  j["mpi"] = distributed::mpi_library_version();
  j["git_rev"] = SYMSWEEP_GIT_REV;
  return j;
}

}  // namespace

int main(int argc, char** argv) {
  mpi::environment env(argc, argv);
  mpi::communicator world;
  CLI::App app{"symsweep strong-scaling benchmark: one team of all ranks (run under mpirun)"};
  CaseOptions o{{"L"}};
  bool stop_poll = false;
  add_case_options(app, o);
  app.add_flag("--stop-poll", stop_poll,
               "also time the step with the scheduler's per-step stop poll (interleaved)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return world.rank() == 0 ? app.exit(e) : (e.get_exit_code() == 0 ? 0 : 1);
  }

  core::set_blas_threads(1);
  try {
    // Same arguments, same cases on every rank.
    for (const Case& c : selected_cases(o)) {
      const nlohmann::json j = run_case(world, c, o.reps, o.seed, stop_poll);
      if (world.rank() == 0) std::cout << j.dump() << std::endl;
    }
  } catch (const std::exception& e) {
    std::cerr << "bench_scaling (rank " << world.rank() << "): " << e.what() << "\n";
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  return 0;
}
