#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite.hpp"

namespace symsweep::sweeps {

/// Seconds since the Unix epoch (the clock of heartbeats).
double unix_now();

/// What another process on the same machine needs to tell whether `pid` still runs: the boot
/// id, the pid namespace and the process's start time ("BOOT NS START"); empty when unknown.
std::string process_liveness_key(pid_t pid);
/// True only when the process recorded as (`pid`, `key`) certainly no longer runs: the key was
/// taken on this machine, in this pid namespace, since this boot, and no process `pid` with that
/// start time exists. False whenever that cannot be told (another machine or container).
bool process_is_gone(std::int64_t pid, const std::string& key);

/// One row of the `jobs` table.
struct JobRow {
  std::int64_t id = 0;
  std::optional<std::int64_t> sweep_id;
  std::string host;
  std::int64_t pid = 0;
  int ranks = 1;
  std::string launcher, state, started_at, heartbeat_at, reason;
  std::optional<int> exit_code;
  double heartbeat = 0.0;  ///< unix seconds of the last heartbeat
  double lease_seconds = 60.0;
  std::string liveness;  ///< process_liveness_key of the job's master
};

/// Why a job whose state is still `alive` is in fact dead (its heartbeat is older than its lease,
/// or its process is gone), or nullopt while it lives.
std::optional<std::string> why_dead(const JobRow& job, double now);

/// Every job of the database, oldest first.
std::vector<JobRow> list_jobs(Database& db);

/// What a new job records about itself.
struct JobInfo {
  std::int64_t sweep_id = 0;
  int ranks = 1;
  double lease_seconds = 60.0;
};

/// Registers this process (host, pid, launcher, Slurm ids from the environment) as a live job
/// with a fresh heartbeat, and returns its id.
std::int64_t register_job(Database& db, const JobInfo& info);
/// Marks the job ended with its exit code and reason (best effort: errors are returned, not
/// thrown, so that a broken database does not hide the error that ended the job).
std::optional<std::string> end_job(Database& db, std::int64_t job_id, int exit_code,
                                   const std::string& reason);

/// Keeps a job's heartbeat fresh from a thread of its own (with its own connection), every
/// lease/6 seconds, so that the heartbeat never waits for the scheduler or a long write. When
/// the job was declared dead by another job (its lease ran out while it was stopped) or the
/// heartbeat cannot be written for longer than the writer's wait limit, `problem()` says so.
class Heartbeat {
 public:
  Heartbeat(const std::string& db_path, std::int64_t job_id, double lease_seconds);
  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;
  ~Heartbeat();

  /// Empty while all is well; otherwise why the job must stop.
  std::string problem() const;

 private:
  void loop(const std::string& db_path);

  std::int64_t job_id_;
  double interval_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::string problem_;
  Database* db_ = nullptr;  ///< the thread's connection while it exists (under mutex_)
  std::thread thread_;
};

}  // namespace symsweep::sweeps
