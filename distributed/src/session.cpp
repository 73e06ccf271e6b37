#include "symsweep/distributed/session.hpp"

#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

namespace symsweep::distributed {

// Errors are handled by the callers: identical input errors on every rank end the command
// normally; anything else aborts the job (abort_job_if_parallel).
MpiSession::MpiSession() : env_(/*abort_on_exception=*/false) {}

MpiSession::~MpiSession() {
  if (std::uncaught_exceptions() > 0 && world_.size() > 1) {
    std::fprintf(stderr, "symsweep: rank %d: an unexpected error ends the job; aborting it\n",
                 world_.rank());
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
}

int launcher_rank() {
  for (const char* var : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"}) {
    if (const char* v = std::getenv(var)) return std::atoi(v);
  }
  return 0;
}

void abort_job_if_parallel(int code) {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (!initialized || finalized) return;
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (size > 1) MPI_Abort(MPI_COMM_WORLD, code);
}

}  // namespace symsweep::distributed
