#include "commands/status_command.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "commands/cli.hpp"
#include "commands/output.hpp"
#include "store/jobs.hpp"
#include "store/queries.hpp"

namespace symsweep::sweeps {

namespace {

using ojson = nlohmann::ordered_json;

constexpr int kMaxErrors = 10;

/// A job as `status` shows it: a job still marked alive whose heartbeat is older than its lease
/// (or whose process is gone) is dead.
ojson job_json(const JobRow& j, double now) {
  const auto dead = why_dead(j, now);
  const std::string state = j.state == "alive" && dead ? "dead" : j.state;
  return {{"id", j.id},
          {"host", j.host},
          {"pid", j.pid},
          {"ranks", j.ranks},
          {"launcher", j.launcher},
          {"state", state},
          {"started_at", j.started_at},
          {"heartbeat_at", j.heartbeat_at},
          {"heartbeat_age_seconds", now - j.heartbeat},
          {"lease_seconds", j.lease_seconds},
          {"exit_code", j.exit_code ? ojson(*j.exit_code) : ojson()},
          {"reason", dead && j.state == "alive" ? *dead : j.reason}};
}

void print_jobs(const ojson& jobs) {
  fmt::print("jobs:\n");
  for (const auto& j : jobs) {
    const std::string state = j["state"].get<std::string>();
    std::string tail;
    if (state == "alive") {
      tail = fmt::format("heartbeat {:.1f} s ago", j["heartbeat_age_seconds"].get<double>());
    } else if (state == "dead") {
      tail = j["reason"].get<std::string>();
    } else {
      tail = fmt::format(
          "exit {}, {}",
          j["exit_code"].is_null() ? std::string("?") : std::to_string(j["exit_code"].get<int>()),
          j["reason"].get<std::string>());
    }
    fmt::print("  job {} {} pid {} ({} ranks, {}): {}, {}\n", j["id"].get<std::int64_t>(),
               j["host"].get<std::string>(), j["pid"].get<std::int64_t>(), j["ranks"].get<int>(),
               j["launcher"].get<std::string>(), state, one_line(tail));
  }
}

/// One sweep's lines of the text form.
void print_sweep(const SweepStatus& sw, std::int64_t trained, std::optional<double> eta) {
  const StatusCounts& c = sw.counts;
  fmt::print("sweep {}: {} runs\n", sw.name, c.total());
  fmt::print("  pending {}  running {}  done {}  failed {}  diverged {}\n", c.pending, c.running,
             c.done, c.failed, c.diverged);
  if (c.running > trained) {
    fmt::print("  {} running run(s) held by no live job: relaunch to continue them\n",
               c.running - trained);
  }
  if (trained > 0) {
    if (eta) {
      fmt::print("  ETA {} ({} running, {:.6g} s per done run)\n", format_duration(*eta), trained,
                 *sw.mean_done_wall_seconds);
    } else {
      fmt::print("  ETA unknown ({} running, no run done yet)\n", trained);
    }
  }
  if (!sw.failed_runs.empty()) {
    fmt::print("  failed runs, most recent first:\n");
    for (const FailedRun& f : sw.failed_runs) {
      fmt::print("    run {}: {}\n", f.id, one_line(f.error));
    }
    const std::int64_t more = c.failed - static_cast<std::int64_t>(sw.failed_runs.size());
    if (more > 0) fmt::print("    ... and {} more\n", more);
  }
}

}  // namespace

int show_status(const StatusOptions& opts) {
  ResultsReader reader(opts.db, "status", "--db");
  const StatusData data = reader.status(kMaxErrors);

  // Jobs: alive, dead (heartbeat older than the lease, or process gone) or ended.
  const double now = unix_now();
  std::set<std::int64_t> live_jobs;
  ojson jobs = ojson::array();
  for (const JobRow& j : data.jobs) {
    ojson o = job_json(j, now);
    if (o["state"] == "alive") live_jobs.insert(j.id);
    jobs.push_back(std::move(o));
  }
  if (!opts.json && !jobs.empty()) print_jobs(jobs);

  ojson sweeps = ojson::array();
  for (const SweepStatus& sw : data.sweeps) {
    const StatusCounts& c = sw.counts;
    ojson s = ojson::object();
    s["name"] = sw.name;
    s["pending"] = c.pending;
    s["running"] = c.running;
    s["done"] = c.done;
    s["failed"] = c.failed;
    s["diverged"] = c.diverged;
    s["total"] = c.total();

    // Only runs that a live job trains make progress: no ETA for runs nobody trains.
    std::int64_t trained = 0;
    if (data.has_jobs) {
      for (const auto& [job, n] : sw.running_by_job) {
        if (job && live_jobs.count(*job) != 0) trained += n;
      }
    } else {
      trained = c.running;  // a database from before jobs were recorded
    }
    s["running_in_live_jobs"] = trained;
    std::optional<double> eta;
    if (trained > 0 && sw.mean_done_wall_seconds) {
      eta = *sw.mean_done_wall_seconds * static_cast<double>(c.pending + c.running) /
            static_cast<double>(trained);
    }
    s["eta_seconds"] = eta ? ojson(*eta) : ojson();

    ojson failed = ojson::array();
    for (const FailedRun& f : sw.failed_runs) failed.push_back({{"id", f.id}, {"error", f.error}});
    s["failed_runs"] = failed;
    s["more_failed"] =
        std::max<std::int64_t>(c.failed - static_cast<std::int64_t>(sw.failed_runs.size()), 0);

    if (!opts.json) print_sweep(sw, trained, eta);
    sweeps.push_back(std::move(s));
  }
  if (opts.json) {
    fmt::print("{}\n", dump_json(ojson{{"db", opts.db}, {"jobs", jobs}, {"sweeps", sweeps}}, 2));
  } else if (data.sweeps.empty()) {
    fmt::print("no sweeps in {}\n", opts.db);
  }
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace symsweep::sweeps
