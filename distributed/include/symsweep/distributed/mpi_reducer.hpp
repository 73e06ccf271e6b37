#pragma once

#include <mpi.h>

#include <boost/mpi/communicator.hpp>

#include <algorithm>
#include <climits>
#include <cstddef>
#include <string>

#include "symsweep/core/reducer.hpp"

namespace symsweep::distributed {

/// MPI datatype of a C++ scalar (MFEM's MPITypeMap).
template <typename T>
struct MpiType;
template <>
struct MpiType<float> {
  static MPI_Datatype get() { return MPI_FLOAT; }
};
template <>
struct MpiType<double> {
  static MPI_Datatype get() { return MPI_DOUBLE; }
};

/// The team's reducer: every reduction is an in-place MPI_Allreduce on a duplicate of the team
/// communicator (so its messages never mix with the scheduler's), in chunks of at most
/// `max_chunk` elements: MPI counts are int, so a reduction (or a gather of particles, which is
/// a sum) of 2^31 elements or more goes in several calls. Time spent in reductions is
/// accumulated for the communication-share benchmark.
class MpiReducer final : public core::Reducer {
 public:
  /// The largest count one MPI call takes.
  static constexpr std::size_t kMaxChunk = INT_MAX;
  /// Collective on comm (duplicates it). `max_chunk` (1..kMaxChunk) is lowered only by tests,
  /// to exercise the chunking on small data.
  explicit MpiReducer(const boost::mpi::communicator& comm, std::size_t max_chunk = kMaxChunk);
  void sum(float* data, std::size_t count) override { reduce(data, count, MPI_SUM); }
  void sum(double* data, std::size_t count) override { reduce(data, count, MPI_SUM); }
  void max(double* data, std::size_t count) override { reduce(data, count, MPI_MAX); }
  int size() const override { return comm_.size(); }
  int rank() const override { return comm_.rank(); }
  const boost::mpi::communicator& comm() const { return comm_; }
  /// Seconds spent inside MPI_Allreduce since construction.
  double seconds_in_reductions() const { return seconds_; }

 private:
  template <typename T>
  void reduce(T* data, std::size_t count, MPI_Op op) {
    const double start = MPI_Wtime();
    // Every rank has the same count, so every rank makes the same calls.
    for (std::size_t done = 0; done < count;) {
      const std::size_t n = std::min(count - done, max_chunk_);
      MPI_Allreduce(MPI_IN_PLACE, data + done, static_cast<int>(n), MpiType<T>::get(), op, comm_);
      done += n;
    }
    seconds_ += MPI_Wtime() - start;
  }

  boost::mpi::communicator comm_;
  std::size_t max_chunk_;
  double seconds_ = 0.0;
};

}  // namespace symsweep::distributed

namespace symsweep::distributed {

/// The MPI library's version line (MPI_Get_library_version), e.g. "Open MPI v4.1.4 ...".
std::string mpi_library_version();

}  // namespace symsweep::distributed
