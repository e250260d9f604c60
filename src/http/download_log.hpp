#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "core/ipv4_address.hpp"

namespace netboot::http {

/// One line per finished response, the same shape as TFTP's transfer line:
/// `127.0.0.1 GET "/boot/vmlinuz" 200 bytes=8388608 seconds=0.041 rate=204.6MB/s`
/// (MB = 10^6 bytes), then `note="..."` when the answer was a refusal or was cut short.
[[nodiscard]] std::string format_download_line(Ipv4Address client, std::string_view method, std::string_view target,
                                               int status, std::uint64_t bytes, double seconds,
                                               std::string_view note);

}  // namespace netboot::http
