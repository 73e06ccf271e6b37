#include "distributed/mpi_reducer.hpp"

namespace symsweep::distributed {

MpiReducer::MpiReducer(const boost::mpi::communicator& comm)
    : comm_(comm, boost::mpi::comm_duplicate) {}

}  // namespace symsweep::distributed
