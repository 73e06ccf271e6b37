#pragma once

namespace symsweep::sweeps {

/// Installs handlers for SIGTERM, SIGUSR1, SIGINT and SIGHUP (Slurm's time limit and --signal,
/// scancel --signal, Ctrl-C, a closed terminal) that only record the signal; the sweep polls
/// stop_signal().
void install_stop_signals();

/// The first stop signal received (0 if none). Async-signal-safe to set, cheap to poll.
int stop_signal();

/// "SIGTERM", "SIGUSR1", ... for a signal number.
const char* signal_name(int sig);

}  // namespace symsweep::sweeps
