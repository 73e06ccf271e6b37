// `symsweep run --np N`: starts mpirun on this binary and passes signals to the ranks.
//
// Open MPI's mpirun turns a SIGINT or SIGTERM it receives into SIGTERM for the ranks and exits
// 1 at once, whatever the ranks then do; so Ctrl-C on a plain `mpirun` can neither be told from
// a SIGTERM nor give the sweep's own exit code. Here mpirun runs in a process group of its own
// (the terminal's Ctrl-C reaches only this process), and a signal that reaches this process is
// delivered as it is to the ranks running on this machine; any rank that receives one stops the
// whole sweep (the master tells every team), the ranks exit 75, and mpirun with them.
#include <fmt/core.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "symsweep/core/error.hpp"
#include "commands/cli.hpp"
#include "commands/run_command.hpp"

namespace symsweep::sweeps {

namespace {

std::vector<std::string> split_words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

/// The arguments of `run` without --np and --mpiexec (in either "--flag value" or "--flag=value"
/// form), for the ranks.
std::vector<std::string> rank_arguments(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--np" || a == "--mpiexec") {
      ++i;
      continue;
    }
    if (a.rfind("--np=", 0) == 0 || a.rfind("--mpiexec=", 0) == 0) continue;
    out.push_back(a);
  }
  return out;
}

/// Every process below `root` (children, grandchildren, ...) running `exe`.
std::vector<pid_t> descendants_running(pid_t root, const std::filesystem::path& exe) {
  std::multimap<pid_t, pid_t> children;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    std::getline(stat, line);
    const std::size_t paren = line.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream rest(line.substr(paren + 2));
    std::string state;
    pid_t ppid = 0;
    if (rest >> state >> ppid) children.emplace(ppid, static_cast<pid_t>(std::stol(name)));
  }
  std::vector<pid_t> found, todo = {root};
  while (!todo.empty()) {
    const pid_t p = todo.back();
    todo.pop_back();
    const auto [lo, hi] = children.equal_range(p);
    for (auto it = lo; it != hi; ++it) {
      todo.push_back(it->second);
      std::error_code e;
      const auto target =
          std::filesystem::read_symlink("/proc/" + std::to_string(it->second) + "/exe", e);
      if (!e && target == exe) found.push_back(it->second);
    }
  }
  return found;
}

}  // namespace

int launch_sweep(const RunOptions& opts, const std::vector<std::string>& args) {
  std::vector<std::string> cmd = split_words(opts.mpiexec);
  if (cmd.empty()) throw InputError("run: --mpiexec \"\": expected a launcher, e.g. mpirun");
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw Error("run --np: cannot find this program (/proc/self/exe): " + ec.message());
  cmd.insert(cmd.end(), {"-np", std::to_string(opts.np), exe.string()});
  for (const std::string& a : rank_arguments(args)) cmd.push_back(a);

  // Signals are taken synchronously here; the child gets the default dispositions back.
  sigset_t stops, old;
  sigemptyset(&stops);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGUSR1}) sigaddset(&stops, sig);
  sigprocmask(SIG_BLOCK, &stops, &old);
  const pid_t child = fork();
  if (child < 0) throw Error(std::string("run --np: fork: ") + std::strerror(errno));
  if (child == 0) {
    setpgid(0, 0);
    sigprocmask(SIG_SETMASK, &old, nullptr);
    std::vector<char*> argv;
    argv.reserve(cmd.size() + 1);
    for (std::string& a : cmd) argv.push_back(a.data());
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    std::fprintf(stderr, "symsweep: run --np: cannot start %s: %s\n", argv[0],
                 std::strerror(errno));
    _exit(kExitFailure);
  }
  setpgid(child, child);  // also here: no race with the child's own call

  int received = 0;
  while (true) {
    int status = 0;
    const pid_t done = waitpid(child, &status, WNOHANG);
    if (done == child) {
      sigprocmask(SIG_SETMASK, &old, nullptr);
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    }
    const timespec wait{0, 100'000'000};
    siginfo_t info{};
    const int sig = sigtimedwait(&stops, &info, &wait);
    if (sig <= 0) continue;
    ++received;
    if (received >= 3) {
      // A third signal: the user insists; end everything now.
      fmt::print(stderr, "symsweep: run --np: third signal, killing the job\n");
      kill(-child, SIGKILL);
      continue;
    }
    const std::vector<pid_t> ranks = descendants_running(child, exe);
    if (ranks.empty()) {
      kill(child, sig);  // the ranks have not started yet: mpirun ends the launch
    } else {
      for (pid_t r : ranks) kill(r, sig);
    }
  }
}

}  // namespace symsweep::sweeps
