#include "commands/progress.hpp"

#include <fmt/core.h>
#include <unistd.h>

#include <cstdio>

namespace symsweep::sweeps {

Progress::Progress(std::string label, std::int64_t total)
    : label_(std::move(label)),
      total_(total),
      tty_(isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()) {}

void Progress::update(std::int64_t done, const std::string& status) {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double frac = total_ > 0 ? static_cast<double>(done) / static_cast<double>(total_) : 1.0;
  const double eta = done > 0 ? elapsed * (1.0 - frac) / frac : 0.0;
  if (tty_) {
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(frac * kWidth);
    fmt::print(stderr, "\r{} [{}{}] {}/{} {} eta {:.0f}s\x1b[K", label_, std::string(filled, '#'),
               std::string(kWidth - filled, '.'), done, total_, status, eta);
  } else {
    fmt::print(stderr, "{} {}/{} {} elapsed {:.1f}s\n", label_, done, total_, status, elapsed);
  }
  std::fflush(stderr);
}

void Progress::finish() {
  if (tty_) fmt::print(stderr, "\n");
}

}  // namespace symsweep::sweeps
