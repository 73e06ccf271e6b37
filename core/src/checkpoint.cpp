#include "symsweep/core/checkpoint.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <type_traits>

#include "symsweep/core/error.hpp"
#include "symsweep/core/fields.hpp"

namespace symsweep::core {

namespace {

// Version 3: the metrics in core/fields.hpp's order.
constexpr char kMagic[8] = {'S', 'Y', 'M', 'C', 'K', 'P', 'T', '3'};

std::uint64_t fnv1a(const std::string& bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

/// Appends plain values to a byte string.
class Writer {
 public:
  template <typename V>
  void put(const V& v) {
    static_assert(std::is_trivially_copyable_v<V>);
    out_.append(reinterpret_cast<const char*>(&v), sizeof(V));
  }
  void put(const std::string& s) {
    put<std::uint64_t>(s.size());
    out_.append(s);
  }
  template <typename V>
  void put(const std::optional<V>& v) {
    put<std::uint8_t>(v ? 1 : 0);
    if (v) put(*v);
  }
  template <typename M>
  void matrix(const M& m) {
    put<std::int64_t>(m.rows());
    put<std::int64_t>(m.cols());
    out_.append(reinterpret_cast<const char*>(m.data()),
                sizeof(typename M::Scalar) * static_cast<std::size_t>(m.size()));
  }
  void metrics(const StepMetrics& m) {
    visit_step_scalars(m, [&](FieldName, const auto& field) { put(field); });
    visit_step_vectors(m, [&](const char*, const auto& values) {
      put<std::uint8_t>(values ? 1 : 0);
      if (!values) return;
      put<std::uint64_t>(values->size());
      for (const auto& v : *values) put(v);
    });
  }
  std::string& bytes() { return out_; }

 private:
  std::string out_;
};

/// Reads plain values back; every read is bounds-checked (a truncated file throws).
class Reader {
 public:
  Reader(const std::string& bytes, std::string path) : in_(bytes), path_(std::move(path)) {}
  template <typename V>
  V get() {
    static_assert(std::is_trivially_copyable_v<V>);
    V v;
    std::memcpy(&v, take(sizeof(V)), sizeof(V));
    return v;
  }
  std::string str() {
    const auto n = get<std::uint64_t>();
    return std::string(take(n), n);
  }
  template <typename V>
  std::optional<V> opt() {
    return get<std::uint8_t>() ? std::optional<V>(get<V>()) : std::nullopt;
  }
  template <typename M>
  void matrix(M& m) {
    const auto rows = get<std::int64_t>(), cols = get<std::int64_t>();
    if (rows < 0 || cols < 0 || rows * cols > static_cast<std::int64_t>(in_.size())) {
      fail("bad matrix shape");
    }
    m.resize(rows, cols);
    const std::size_t bytes = sizeof(typename M::Scalar) * static_cast<std::size_t>(m.size());
    std::memcpy(m.data(), take(bytes), bytes);
  }
  StepMetrics metrics() {
    StepMetrics m;
    visit_step_scalars(m, [&](FieldName, auto& field) { read(field); });
    visit_step_vectors(m, [&](const char*, auto& values) {
      if (!get<std::uint8_t>()) return;
      const auto n = get<std::uint64_t>();
      if (n > in_.size()) fail("bad length");
      values.emplace(n);
      for (auto& v : *values) v = get<typename std::decay_t<decltype(*values)>::value_type>();
    });
    return m;
  }
  template <typename V>
  void read(V& field) {
    field = get<V>();
  }
  template <typename V>
  void read(std::optional<V>& field) {
    field = opt<V>();
  }

  [[noreturn]] void fail(const std::string& why) const {
    throw CheckpointError("checkpoint \"" + path_ + "\": " + why);
  }

 private:
  const char* take(std::size_t n) {
    if (n > in_.size() - pos_) fail("truncated");
    const char* p = in_.data() + pos_;
    pos_ += n;
    return p;
  }
  const std::string& in_;
  std::string path_;
  std::size_t pos_ = 0;
};

void write_durably(const std::string& path, const std::string& bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) throw Error("cannot write \"" + path + "\": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t w = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (w < 0) {
      ::close(fd);
      throw Error("cannot write \"" + path + "\": " + std::strerror(errno));
    }
    done += static_cast<std::size_t>(w);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) throw Error("cannot flush \"" + path + "\"");
}

}  // namespace

template <typename T>
void save_checkpoint(const std::string& path, const std::string& run_key, const Particles<T>& p,
                     const TrainState<T>& s) {
  Writer w;
  w.bytes().append(kMagic, sizeof(kMagic));
  w.put<std::uint64_t>(0);  // total size, filled in below: a truncated file says so
  w.put(run_key);
  w.put<std::uint8_t>(sizeof(T));
  w.put(p.global_count);
  w.put(s.step);
  w.put(s.wall_seconds);
  w.matrix(p.a);
  w.matrix(p.b);
  w.matrix(p.c);
  w.put(s.opt.t);
  visit_state_rows([&](const char*, const auto& m) { w.matrix(m); }, s);
  w.put<std::uint64_t>(s.log.size());
  for (const StepMetrics& m : s.log) w.metrics(m);
  const std::uint64_t total = w.bytes().size() + sizeof(std::uint64_t);
  std::memcpy(w.bytes().data() + sizeof(kMagic), &total, sizeof(total));
  w.put(fnv1a(w.bytes()));

  const std::string tmp = path + ".tmp";
  write_durably(tmp, w.bytes());
  std::error_code ec;
  if (std::filesystem::exists(path)) std::filesystem::rename(path, path + ".prev", ec);
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw Error("cannot rename \"" + tmp + "\": " + ec.message());
}

template <typename T>
std::pair<Particles<T>, TrainState<T>> load_checkpoint(const std::string& path,
                                                       const std::string& run_key) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CheckpointError("checkpoint \"" + path + "\": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string bytes = ss.str();
  Reader r(bytes, path);
  if (bytes.size() < sizeof(kMagic) + 8 || std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0) {
    r.fail("not a symsweep checkpoint");
  }
  r.get<std::array<char, sizeof(kMagic)>>();
  const auto total = r.get<std::uint64_t>();
  if (total != bytes.size()) {
    r.fail("truncated or padded: " + std::to_string(bytes.size()) + " bytes, expected " +
           std::to_string(total));
  }
  std::uint64_t stored = 0;
  std::memcpy(&stored, bytes.data() + bytes.size() - 8, 8);
  if (fnv1a(bytes.substr(0, bytes.size() - 8)) != stored) r.fail("checksum mismatch");
  if (r.str() != run_key) r.fail("belongs to another run");
  if (r.get<std::uint8_t>() != sizeof(T)) r.fail("written in another precision");
  Particles<T> p;
  TrainState<T> s;
  p.global_count = r.get<std::int64_t>();
  s.step = r.get<std::int64_t>();
  s.wall_seconds = r.get<double>();
  r.matrix(p.a);
  r.matrix(p.b);
  r.matrix(p.c);
  s.opt.t = r.get<std::int64_t>();
  visit_state_rows([&](const char*, auto& m) { r.matrix(m); }, s);
  const auto entries = r.get<std::uint64_t>();
  if (entries > bytes.size()) r.fail("bad log length");
  for (std::uint64_t i = 0; i < entries; ++i) s.log.push_back(r.metrics());
  if (p.a.rows() != p.global_count || p.b.rows() != p.global_count || p.c.rows() != p.global_count) {
    r.fail("inconsistent particle count");
  }
  return {std::move(p), std::move(s)};
}

template <typename T>
std::optional<std::pair<Particles<T>, TrainState<T>>> load_latest_checkpoint(
    const std::string& path, const std::string& run_key, std::vector<std::string>& warnings) {
  for (const std::string& candidate : {path, path + ".prev"}) {
    if (!std::filesystem::exists(candidate)) continue;
    try {
      return load_checkpoint<T>(candidate, run_key);
    } catch (const CheckpointError& e) {
      warnings.push_back(e.what());
    }
  }
  return std::nullopt;
}

void remove_checkpoints(const std::string& path) {
  std::error_code ec;
  for (const std::string& f : {path, path + ".prev", path + ".tmp"}) {
    std::filesystem::remove(f, ec);
  }
}

#define SYMSWEEP_INSTANTIATE(T)                                                                 \
  template void save_checkpoint<T>(const std::string&, const std::string&, const Particles<T>&, \
                                   const TrainState<T>&);                                       \
  template std::pair<Particles<T>, TrainState<T>> load_checkpoint<T>(const std::string&,        \
                                                                     const std::string&);       \
  template std::optional<std::pair<Particles<T>, TrainState<T>>> load_latest_checkpoint<T>(     \
      const std::string&, const std::string&, std::vector<std::string>&);
SYMSWEEP_INSTANTIATE(float)
SYMSWEEP_INSTANTIATE(double)
#undef SYMSWEEP_INSTANTIATE

}  // namespace symsweep::core
