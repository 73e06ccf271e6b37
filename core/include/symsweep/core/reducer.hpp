#pragma once

#include <cstddef>

namespace symsweep::core {

/// Turns a shard's partial sums into the team's global ones. The training loop and every
/// diagnostic call it at the same points on every rank of a team, in the same order, so an
/// implementation may be collective (distributed/: MPI_Allreduce on the team communicator).
/// In a single process every method is the identity (LocalReducer).
class Reducer {
 public:
  virtual ~Reducer() = default;
  /// Collective on the team: in-place element-wise sum of `count` values.
  virtual void sum(float* data, std::size_t count) = 0;
  /// Collective on the team: in-place element-wise sum of `count` values.
  virtual void sum(double* data, std::size_t count) = 0;
  /// Collective on the team: in-place element-wise maximum of `count` values.
  virtual void max(double* data, std::size_t count) = 0;
  /// Number of ranks in the team (1 for a single process).
  virtual int size() const = 0;
  /// This process's index in the team (0 for a single process).
  virtual int rank() const = 0;
};

/// The reducer of a single process: every reduction is the identity.
class LocalReducer final : public Reducer {
 public:
  void sum(float*, std::size_t) override {}
  void sum(double*, std::size_t) override {}
  void max(double*, std::size_t) override {}
  int size() const override { return 1; }
  int rank() const override { return 0; }
};

}  // namespace symsweep::core
