#include "symsweep/distributed/mpi_reducer.hpp"

namespace symsweep::distributed {

MpiReducer::MpiReducer(const boost::mpi::communicator& comm)
    : comm_(comm, boost::mpi::comm_duplicate) {}

}  // namespace symsweep::distributed

namespace symsweep::distributed {

std::string mpi_library_version() {
  char buf[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  MPI_Get_library_version(buf, &len);
  std::string v(buf, static_cast<std::size_t>(len));
  const auto end = v.find_first_of(",\n");
  return end == std::string::npos ? v : v.substr(0, end);
}

}  // namespace symsweep::distributed
