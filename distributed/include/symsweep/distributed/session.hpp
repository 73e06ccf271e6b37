#pragma once

#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>

namespace symsweep::distributed {

/// MPI for the commands that need it (train, run): initialised when constructed, finalised when
/// destroyed; at most one per process. Query commands never start MPI, so they stay fast.
class MpiSession {
 public:
  MpiSession();
  /// Finalises MPI; but while an exception unwinds through it with more than one rank, aborts
  /// the job instead (the other ranks would wait in MPI_Finalize or a collective forever).
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
  const boost::mpi::communicator& world() const { return world_; }

 private:
  boost::mpi::environment env_;
  boost::mpi::communicator world_;
};

/// This process's rank as its launcher (mpirun, srun) announced it in the environment, readable
/// before MPI is initialised; 0 when launched alone. Used to print usage errors once.
int launcher_rank();

/// After an error on this rank: when MPI runs with more than one rank, abort the whole job (its
/// peers would wait in a collective forever); otherwise return.
void abort_job_if_parallel(int code);

}  // namespace symsweep::distributed
