#pragma once

#include <Eigen/Dense>
#include <string>

namespace symsweep::core {

/// Writes a matrix as a NumPy .npy file (version 1.0, little-endian float64, C order), readable
/// by numpy.load. Writes to PATH.tmp and renames, so a reader never sees half a file.
/// Throws symsweep::Error on I/O failure.
void write_npy(const std::string& path, const Eigen::MatrixXd& m);

/// Reads a 2-D float64 C-order .npy file. Throws InputError naming the file when it is not one.
Eigen::MatrixXd read_npy(const std::string& path);

}  // namespace symsweep::core
