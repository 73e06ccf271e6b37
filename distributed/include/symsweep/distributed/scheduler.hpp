#pragma once

#include <boost/mpi/communicator.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "symsweep/core/run.hpp"

namespace symsweep::distributed {

/// One unit of work: a run and the id its source knows it by.
struct WorkItem {
  std::int64_t id = 0;
  core::RunConfig config;
  double cost = 0.0;  ///< estimated cost (n^3 q steps f), for information
  std::string checkpoint_path;  ///< empty: the run is not checkpointed
  std::string run_key;          ///< the run's identity inside its checkpoint
  std::int64_t checkpoint_every_steps = 0;
  double checkpoint_every_seconds = 0.0;
  /// Not empty: when the run ends done, the team's rank 0 writes its final particles there
  /// (core::write_npy: a complete file or none) before the result goes back; a failed write
  /// fails the run.
  std::string particles_path;
};

/// A finished work item as the master receives it.
struct WorkResult {
  std::int64_t id = 0;
  core::RunOutcome outcome;
  int ranks = 1;  ///< size of the team that ran it
  std::vector<std::string> warnings;  ///< e.g. a damaged checkpoint that was ignored
  std::int64_t resumed_step = 0;      ///< > 0 when the run continued from a checkpoint
  int signal = 0;  ///< the stop signal a rank of the team received (0: none), agreed by the team
};

/// Where the master takes work from (used on the master only). Implementations hand out the
/// largest estimated cost first.
class WorkSource {
 public:
  virtual ~WorkSource() = default;
  /// The next job, or nullopt when there is none now.
  virtual std::optional<WorkItem> next() = 0;
  /// After next() gave nothing: true when more may come later (work held elsewhere that may
  /// come back), so the idle team should wait and the master ask again; false when done.
  virtual bool more_later() { return false; }
};

/// Where the master puts results (used on the master only). `accept` returns only once the
/// result is safe (e.g. committed): the team gets new work after that.
class ResultSink {
 public:
  virtual ~ResultSink() = default;
  virtual void accept(const WorkItem& job, const WorkResult& result) = 0;
};

// The former names (a "job" is now one `symsweep run` process, the jobs table's row).
using Job [[deprecated("symsweep::distributed::Job is now WorkItem")]] = WorkItem;
using JobResult [[deprecated("symsweep::distributed::JobResult is now WorkResult")]] = WorkResult;
using JobSource [[deprecated("symsweep::distributed::JobSource is now WorkSource")]] = WorkSource;

/// An in-memory list of runs, handed out largest estimated cost first (ties: list order).
class VectorWorkSource final : public WorkSource {
 public:
  explicit VectorWorkSource(std::vector<WorkItem> jobs);
  std::optional<WorkItem> next() override;

 private:
  std::vector<WorkItem> jobs_;  ///< sorted by increasing cost; next() pops the back
};

/// How the world's ranks are arranged: rank 0 is the master; ranks 1..W-1 form teams of
/// `ranks_per_run` consecutive ranks, the last one smaller if W-1 does not divide. W = 1: the
/// master is its own (only) team.
struct TeamLayout {
  int world_size = 1;
  int ranks_per_run = 1;
  std::vector<int> team_sizes;
  /// Team index of a world rank (-1 for the master when W > 1).
  int team_of(int world_rank) const;
  /// World rank of a team's leader.
  int leader_of(int team) const;
};
TeamLayout make_layout(int world_size, int ranks_per_run);

struct SchedulerOptions {
  int ranks_per_run = 1;
  /// Polled on every rank: the stop signal this rank received, 0 while none. When the master
  /// or any rank of a team receives one, the master hands out no more work and tells every busy
  /// team to stop; a stopped run checkpoints and comes back as kInterrupted.
  std::function<int()> stop_signal;
  /// Polled on the master: a non-empty text is an error that ends the job (e.g. its heartbeat
  /// failed). The master stops the teams as for a signal and the job fails.
  std::function<std::string()> check;
  /// Called on the master for start-up notes (team layout, idle ranks), one line each.
  std::function<void(const std::string&)> note;
  /// How long idle teams wait before the master asks a WorkSource with more_later() again.
  double wait_seconds = 1.0;
  /// How long busy teams may take to stop after a signal or an error; then the job is aborted.
  double stop_grace_seconds = 30.0;
};

struct SchedulerReport {
  TeamLayout layout;
  bool stopped = false;  ///< stopped early by a signal or an error (the same on every rank)
  int signal = 0;        ///< the stop signal some rank received, 0: none (the same on every rank)
  bool failed = false;   ///< an error on the master ended the job (the same on every rank)
  std::string error;     ///< that error (on the master)
  std::int64_t jobs_done = 0;
  double master_busy_seconds = 0.0;  ///< master CPU time (getrusage) during the loop
};

/// Collective on world: runs every job of `source` on the teams and passes each result to
/// `sink` on the master (world rank 0). `source` and `sink` are used, and need only be
/// non-null, on rank 0. A run that throws an InputError on every rank of its team, or
/// diverges, comes back as failed / diverged and the sweep goes on; any other exception on a
/// rank of a team larger than one aborts the job with a message naming the rank (its peers
/// would otherwise wait forever in a collective). An exception from `source` or `sink` on the
/// master (a database error) ends the job cleanly: the teams are told to stop, and every rank
/// returns with `failed` set; teams that do not stop within the grace time abort the job. The
/// master waits for messages by polling with sleeps, not by spinning a core.
SchedulerReport run_scheduler(const boost::mpi::communicator& world, WorkSource* source,
                              ResultSink* sink, const SchedulerOptions& options);

/// Collective on team: executes one job on the calling team and agrees on its outcome (every
/// rank returns the same status; the outcome's metrics are complete on the team's rank 0).
/// `stop_requested` is polled after every training step on every rank of the team.
WorkResult execute_on_team(const boost::mpi::communicator& team, const WorkItem& job,
                          core::GroupContextCache& cache,
                          const std::function<bool()>& stop_requested = {});

}  // namespace symsweep::distributed
