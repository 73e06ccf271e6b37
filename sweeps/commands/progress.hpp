#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace symsweep::sweeps {

/// Progress on stderr: a redrawn bar when stderr is a terminal, plain lines otherwise (logs,
/// Slurm output files). Not thread-safe; one per command.
class Progress {
 public:
  Progress(std::string label, std::int64_t total);
  /// Reports `done` of `total` with a short status text.
  void update(std::int64_t done, const std::string& status);
  /// Ends the bar's line (a no-op for plain output).
  void finish();

 private:
  std::string label_;
  std::int64_t total_;
  bool tty_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace symsweep::sweeps
