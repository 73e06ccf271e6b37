#include "store/jobs.hpp"

#include <fmt/core.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "store/store.hpp"

namespace symsweep::sweeps {

namespace {

std::string read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

std::string this_pid_namespace() {
  std::array<char, 128> buf{};
  const ssize_t n = readlink("/proc/self/ns/pid", buf.data(), buf.size() - 1);
  return n > 0 ? std::string(buf.data(), static_cast<std::size_t>(n)) : std::string();
}

/// Field 22 of /proc/PID/stat (start time in clock ticks since boot), or empty when there is
/// no such process or it has exited (a zombie waiting to be reaped).
std::string start_time_of(pid_t pid) {
  const std::string stat = read_first_line("/proc/" + std::to_string(pid) + "/stat");
  const std::size_t paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 2 >= stat.size()) return {};
  const char state = stat[paren + 2];
  if (state == 'Z' || state == 'X') return {};
  std::istringstream rest(stat.substr(paren + 2));
  std::string field;
  // Fields after the command name start at field 3 (state); the start time is field 22.
  for (int i = 3; i <= 22 && rest >> field; ++i) {
    if (i == 22) return field;
  }
  return {};
}

std::string host_name() {
  std::array<char, 256> buf{};
  gethostname(buf.data(), buf.size() - 1);
  return buf.data();
}

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

std::string launcher_name() {
  if (std::getenv("SLURM_STEP_ID") != nullptr && std::getenv("SLURM_PROCID") != nullptr &&
      std::getenv("OMPI_COMM_WORLD_SIZE") == nullptr) {
    return "srun";
  }
  if (std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr) return "mpirun";
  if (std::getenv("PMI_SIZE") != nullptr || std::getenv("PMIX_RANK") != nullptr) return "pmi";
  return "none";
}

}  // namespace

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string process_liveness_key(pid_t pid) {
  const std::string boot = read_first_line("/proc/sys/kernel/random/boot_id");
  const std::string ns = this_pid_namespace();
  const std::string start = start_time_of(pid);
  if (boot.empty() || ns.empty() || start.empty()) return {};
  return boot + " " + ns + " " + start;
}

bool process_is_gone(std::int64_t pid, const std::string& key) {
  std::istringstream in(key);
  std::string boot, ns, start;
  if (!(in >> boot >> ns >> start) || pid <= 0) return false;
  if (boot != read_first_line("/proc/sys/kernel/random/boot_id") || ns != this_pid_namespace()) {
    return false;  // another machine, boot or container: only the lease can tell
  }
  const std::string now = start_time_of(static_cast<pid_t>(pid));
  return now.empty() || now != start;  // no such process, or the pid was reused
}

std::optional<std::string> why_dead(const JobRow& job, double now) {
  if (job.state != "alive") return std::nullopt;
  const double age = now - job.heartbeat;
  if (age > job.lease_seconds) {
    return fmt::format("its heartbeat is {:.1f} s old, older than its lease of {:g} s", age,
                       job.lease_seconds);
  }
  if (process_is_gone(job.pid, job.liveness)) {
    return fmt::format("its process {} on this machine no longer exists", job.pid);
  }
  return std::nullopt;
}

std::vector<JobRow> list_jobs(Database& db) {
  Statement s = db.prepare(
      "SELECT id, sweep_id, host, pid, ranks, coalesce(launcher, ''), state, started_at, "
      "heartbeat_at, coalesce(reason, ''), exit_code, heartbeat, lease_seconds, "
      "coalesce(liveness, '') FROM jobs ORDER BY id");
  std::vector<JobRow> out;
  while (s.step()) {
    JobRow j;
    j.id = s.integer(0);
    if (!s.is_null(1)) j.sweep_id = s.integer(1);
    j.host = s.text(2);
    j.pid = s.integer(3);
    j.ranks = static_cast<int>(s.integer(4));
    j.launcher = s.text(5);
    j.state = s.text(6);
    j.started_at = s.text(7);
    j.heartbeat_at = s.text(8);
    j.reason = s.text(9);
    if (!s.is_null(10)) j.exit_code = static_cast<int>(s.integer(10));
    j.heartbeat = s.real(11);
    j.lease_seconds = s.real(12);
    j.liveness = s.text(13);
    out.push_back(std::move(j));
  }
  return out;
}

std::int64_t register_job(Database& db, const JobInfo& info) {
  Transaction tx(db);
  const std::string now = utc_now();
  db.prepare(
        "INSERT INTO jobs (sweep_id, host, pid, ranks, launcher, slurm_job_id, "
        "slurm_array_job_id, slurm_array_task_id, started_at, heartbeat_at, heartbeat, "
        "lease_seconds, state, liveness) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10, ?11, 'alive', ?12)")
      .bind(1, info.sweep_id)
      .bind(2, host_name())
      .bind(3, static_cast<std::int64_t>(getpid()))
      .bind(4, info.ranks)
      .bind(5, launcher_name())
      .bind(6, env_or_empty("SLURM_JOB_ID"))
      .bind(7, env_or_empty("SLURM_ARRAY_JOB_ID"))
      .bind(8, env_or_empty("SLURM_ARRAY_TASK_ID"))
      .bind(9, now)
      .bind(10, unix_now())
      .bind(11, info.lease_seconds)
      .bind(12, process_liveness_key(getpid()))
      .run();
  const std::int64_t id = db.last_insert_id();
  tx.commit();
  return id;
}

std::optional<std::string> end_job(Database& db, std::int64_t job_id, int exit_code,
                                   const std::string& reason) {
  try {
    db.prepare(
          "UPDATE jobs SET state = 'ended', ended_at = ?2, exit_code = ?3, reason = ?4 "
          "WHERE id = ?1 AND state = 'alive'")
        .bind(1, job_id)
        .bind(2, utc_now())
        .bind(3, exit_code)
        .bind(4, reason)
        .run();
  } catch (const std::exception& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

Heartbeat::Heartbeat(const std::string& db_path, std::int64_t job_id, double lease_seconds)
    : job_id_(job_id), interval_(std::max(0.05, lease_seconds / 6.0)) {
  thread_ = std::thread([this, db_path] { loop(db_path); });
}

Heartbeat::~Heartbeat() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    if (db_ != nullptr) db_->cancel_waits();  // a heartbeat waiting for a lock ends now
  }
  wake_.notify_all();
  thread_.join();
}

std::string Heartbeat::problem() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return problem_;
}

void Heartbeat::loop(const std::string& db_path) {
  std::string problem;
  try {
    Database db(db_path, Database::Mode::kReadWrite);
    Statement beat = db.prepare(
        "UPDATE jobs SET heartbeat = ?2, heartbeat_at = ?3 WHERE id = ?1 AND state = 'alive'");
    {
      std::lock_guard<std::mutex> guard(mutex_);
      db_ = &db;
    }
    struct Forget {  // db_ must not outlive the connection, however the loop ends
      Heartbeat* h;
      ~Forget() {
        std::lock_guard<std::mutex> guard(h->mutex_);
        h->db_ = nullptr;
      }
    };
    const Forget forget{this};  // destroyed after `lock` below has released the mutex
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
      if (wake_.wait_for(lock, std::chrono::duration<double>(interval_),
                         [this] { return stopping_; })) {
        break;
      }
      lock.unlock();
      beat.bind(1, job_id_).bind(2, unix_now()).bind(3, utc_now());
      beat.run();
      const bool alive = db.changes() == 1;
      lock.lock();
      if (!alive) {
        problem_ = fmt::format(
            "job {} was declared dead by another job (its heartbeat was older than its lease, "
            "e.g. while the process was stopped); its runs were taken over",
            job_id_);
        return;
      }
    }
  } catch (const std::exception& e) {
    problem = std::string("heartbeat: ") + e.what();
  }
  if (!problem.empty()) {
    std::lock_guard<std::mutex> lock(mutex_);
    problem_ = problem;
  }
}

}  // namespace symsweep::sweeps
