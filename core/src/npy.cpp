#include "symsweep/core/npy.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
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
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> row_major = m;
  const auto len = static_cast<std::uint16_t>(header.size());
  std::string head = std::string("\x93NUMPY\x01\x00", 8);
  head.push_back(static_cast<char>(len & 0xff));
  head.push_back(static_cast<char>(len >> 8));
  head += header;
  // Written, flushed to the disk and renamed into place: PATH is the complete file or absent
  // (or its previous version), whatever stops the process.
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw Error("cannot write \"" + tmp + "\": " + std::strerror(errno));
  auto fail = [&](const char* what) {
    const std::string reason = std::strerror(errno);
    ::close(fd);
    ::unlink(tmp.c_str());
    throw Error(std::string("cannot ") + what + " \"" + tmp + "\": " + reason);
  };
  auto write_all = [&](const char* p, std::size_t n) {
    while (n > 0) {
      const ssize_t w = ::write(fd, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) fail("write");
      p += w;
      n -= static_cast<std::size_t>(w);
    }
  };
  write_all(head.data(), head.size());
  write_all(reinterpret_cast<const char*>(row_major.data()),
            sizeof(double) * static_cast<std::size_t>(row_major.size()));
  if (::fsync(fd) != 0) fail("flush");
  if (::close(fd) != 0) {
    const std::string reason = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw Error("cannot write \"" + tmp + "\": " + reason);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    std::remove(tmp.c_str());
    throw Error("cannot rename \"" + tmp + "\" to \"" + path + "\": " + reason);
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
