#include "http/download_log.hpp"

#include <fmt/format.h>

#include "http/percent_decode.hpp"

namespace netboot::http {

std::string format_download_line(Ipv4Address client, std::string_view method, std::string_view target, int status,
                                 std::uint64_t bytes, double seconds, std::string_view note) {
  // A zero duration (a tiny file on loopback) would divide by zero; report the rate as 0.
  const double rate = seconds > 0 ? static_cast<double>(bytes) / 1e6 / seconds : 0.0;
  std::string line = fmt::format("{} {} \"{}\" {} bytes={} seconds={:.3f} rate={:.1f}MB/s", client.to_string(),
                                 printable(method), printable(target), status, bytes, seconds, rate);
  if (!note.empty()) line += fmt::format(" note=\"{}\"", printable(note));
  return line;
}

}  // namespace netboot::http
