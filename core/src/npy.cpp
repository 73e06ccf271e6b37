#include "symsweep/core/npy.hpp"

#include <cstdio>
#include <fstream>
#include <regex>
#include <vector>

#include "symsweep/core/error.hpp"

namespace symsweep::core {

void write_npy(const std::string& path, const Eigen::MatrixXd& m) {
  std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (" +
                       std::to_string(m.rows()) + ", " + std::to_string(m.cols()) + "), }";
  // Magic (6) + version (2) + header length (2) + header, padded with spaces to a multiple of
  // 64 and ended by a newline.
  const std::size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error("cannot write \"" + tmp + "\"");
    out.write("\x93NUMPY\x01\x00", 8);
    const auto len = static_cast<std::uint16_t>(header.size());
    const char len_bytes[2] = {static_cast<char>(len & 0xff), static_cast<char>(len >> 8)};
    out.write(len_bytes, 2);
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> row_major = m;
    out.write(reinterpret_cast<const char*>(row_major.data()),
              static_cast<std::streamsize>(sizeof(double) * row_major.size()));
    if (!out.flush()) throw Error("cannot write \"" + tmp + "\"");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw Error("cannot rename \"" + tmp + "\" to \"" + path + "\"");
  }
}

Eigen::MatrixXd read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("npy file \"" + path + "\": cannot open");
  char magic[10];
  if (!in.read(magic, 10) || std::string(magic, 6) != "\x93NUMPY" || magic[6] != 1) {
    throw InputError("npy file \"" + path + "\": not a version 1 .npy file");
  }
  const std::size_t len = static_cast<unsigned char>(magic[8]) |
                          (static_cast<std::size_t>(static_cast<unsigned char>(magic[9])) << 8);
  std::string header(len, '\0');
  in.read(header.data(), static_cast<std::streamsize>(len));
  std::smatch mt;
  if (header.find("'<f8'") == std::string::npos ||
      header.find("'fortran_order': False") == std::string::npos ||
      !std::regex_search(header, mt, std::regex(R"(\(\s*(\d+)\s*,\s*(\d+)\s*,?\s*\))"))) {
    throw InputError("npy file \"" + path + "\": expected a 2-D float64 array in C order");
  }
  const Eigen::Index rows = std::stol(mt[1]), cols = std::stol(mt[2]);
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> m(rows, cols);
  if (!in.read(reinterpret_cast<char*>(m.data()),
               static_cast<std::streamsize>(sizeof(double) * m.size()))) {
    throw InputError("npy file \"" + path + "\": truncated");
  }
  return m;
}

}  // namespace symsweep::core
