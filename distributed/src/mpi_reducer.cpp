#include "symsweep/distributed/mpi_reducer.hpp"

#include <string>

#include "symsweep/core/error.hpp"

namespace symsweep::distributed {

MpiReducer::MpiReducer(const boost::mpi::communicator& comm, std::size_t max_chunk)
    : comm_(comm, boost::mpi::comm_duplicate), max_chunk_(max_chunk) {
  // Checked on every rank alike (the same arguments), after the collective duplicate.
  if (max_chunk_ < 1 || max_chunk_ > kMaxChunk) {
    throw InputError("MpiReducer: max_chunk = " + std::to_string(max_chunk_) +
                           "; expected 1.." + std::to_string(kMaxChunk));
  }
}

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
