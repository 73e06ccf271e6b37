#pragma once

#include <mpi.h>

#include <boost/mpi/communicator.hpp>

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

/// The team's reducer: every reduction is one in-place MPI_Allreduce on a duplicate of the team
/// communicator (so its messages never mix with the scheduler's). Time spent in reductions is
/// accumulated for the communication-share benchmark.
class MpiReducer final : public core::Reducer {
 public:
  /// Collective on comm (duplicates it).
  explicit MpiReducer(const boost::mpi::communicator& comm);
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
    MPI_Allreduce(MPI_IN_PLACE, data, static_cast<int>(count), MpiType<T>::get(), op, comm_);
    seconds_ += MPI_Wtime() - start;
  }

  boost::mpi::communicator comm_;
  double seconds_ = 0.0;
};

}  // namespace symsweep::distributed

namespace symsweep::distributed {

/// The MPI library's version line (MPI_Get_library_version), e.g. "Open MPI v4.1.4 ...".
std::string mpi_library_version();

}  // namespace symsweep::distributed
