#pragma once
// Golden files for the capture tests (captures_test.cpp, recorded_captures_test.cpp): load a
// capture, compare text with tests/data/golden/..., regenerate with UPDATE_GOLDEN=1 (then
// review the diff).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

#include "dhcp/dhcp_packet.hpp"
#include "dhcp/pipeline/exchange.hpp"
#include "dhcp/pipeline/make_pipeline.hpp"
#include "dhcp/pxe.hpp"
#include "dhcp/reply_destination.hpp"
#include "unit/dhcp/dhcp_test_support.hpp"
#include "unit/dhcp/pipeline_test_support.hpp"

namespace netboot::dhcp::test {

inline bool update_golden() {
  const char* v = std::getenv("UPDATE_GOLDEN");
  return v != nullptr && std::string_view(v) == "1";
}

/// Compares `actual` with the golden file (relative to tests/data), or rewrites it under
/// UPDATE_GOLDEN=1.
inline void expect_golden(const std::string& relative, const std::string& actual) {
  const auto path = test_data(relative);
  if (update_golden()) {
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  std::string expected;
  try {
    expected = read_file(path);
  } catch (const std::exception& e) {
    FAIL() << e.what() << " (run with UPDATE_GOLDEN=1 to create it)";
  }
  EXPECT_EQ(actual, expected) << "golden file " << path << " differs; UPDATE_GOLDEN=1 regenerates it";
}

/// The capture tests/data/<relative> ('#' comments, then hex), parsed; a failure is reported.
inline DhcpPacket load_capture(const std::string& relative) {
  const auto bytes = from_hex(read_file(test_data(relative)));
  auto parsed = parse_dhcp_packet(bytes);
  EXPECT_TRUE(parsed) << relative << ": " << (parsed ? "" : parsed.error().detail);
  return parsed ? *parsed : DhcpPacket{};
}

/// The default pipeline over `world`, as the service builds it; every boot file is 42,000
/// bytes (option 13).
inline Pipeline capture_pipeline(const config::DhcpConfig& config, LeaseWorld& world) {
  return make_pipeline(config, {.leases = world.store,
                                .allocator = world.allocator,
                                .boot_file_size = [](std::string_view) -> std::optional<std::uint64_t> { return 42'000; }});
}

/// The pipeline's reply as it goes on the wire (serialized within the client's limit, then
/// parsed back), described, with the destination the service would send it to.
inline std::string describe_wire_reply(const Exchange& ex) {
  const auto wire = serialize_dhcp_packet(ex.reply, max_reply_size(ex.request));
  EXPECT_LE(wire.size(), max_reply_size(ex.request));
  const auto parsed = parse_dhcp_packet(wire);
  EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error().detail);
  if (!parsed) return {};
  const auto destination = choose_reply_destination(ex.request, ex.reply);
  return describe(*parsed) + "destination: " + std::string(to_string(destination.kind)) + " " +
         destination.address.to_string() + ":" + std::to_string(destination.port) + "\n";
}

}  // namespace netboot::dhcp::test
