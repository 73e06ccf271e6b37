// GoogleTest main for tests run under mpirun: every rank runs every test (tests make collective
// calls), only rank 0 prints, and the exit code is the worst over all ranks, so a failure on any
// rank fails the test. Tests never ASSERT between collective calls.
#include <gtest/gtest.h>

#include <boost/mpi/collectives.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>

#include "symsweep/core/blas.hpp"

int main(int argc, char** argv) {
  boost::mpi::environment env(argc, argv);
  boost::mpi::communicator world;
  symsweep::core::set_blas_threads(1);
  ::testing::InitGoogleTest(&argc, argv);
  if (world.rank() != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  const int mine = RUN_ALL_TESTS();
  return boost::mpi::all_reduce(world, mine, boost::mpi::maximum<int>());
}
