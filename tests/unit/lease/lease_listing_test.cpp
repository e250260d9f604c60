#include "lease/lease_listing.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <sstream>
#include <vector>

#include "unit/lease/lease_test_support.hpp"

namespace netboot::lease {
namespace {

using namespace testing;  // NOLINT: test helpers
using std::chrono::hours;

std::vector<Lease> sample() {
  Lease pxe = make_lease(mac(0x0a0b), ip("10.0.0.120"), LeaseState::Bound, t0() + hours(1));
  pxe.uuid = Uuid::parse("01234567-89ab-cdef-0123-456789abcdef");
  pxe.phase = BootPhase::Pxe;
  Lease lapsed = make_lease(mac(2), ip("10.0.0.9"), LeaseState::Bound, t0() - hours(1));
  Lease released = make_lease(mac(3), ip("10.0.0.100"), LeaseState::Released, t0() + hours(2));
  released.phase = BootPhase::Os;
  released.hostname = "node-\xff";  // not UTF-8: must not break the JSON
  return {pxe, lapsed, released};
}

TEST(LeaseListing, TableIsAlignedSortedByAddressAndMarksWhatLapsed) {
  const auto leases = sample();
  EXPECT_EQ(format_lease_table(leases, t0()),
            "MAC                IP          STATE            EXPIRES               PHASE  UUID"
            "                                  RELAY  CIRCUIT-ID  REMOTE-ID\n"
            "52:54:00:00:00:02  10.0.0.9    bound (expired)  2027-01-15T07:00:00Z  idle   -"
            "                                     -      -           -\n"
            "52:54:00:00:00:03  10.0.0.100  released         2027-01-15T10:00:00Z  os     -"
            "                                     -      -           -\n"
            "52:54:00:00:0A:0B  10.0.0.120  bound            2027-01-15T09:00:00Z  pxe    "
            "01234567-89ab-cdef-0123-456789abcdef  -      -           -\n");
}

TEST(LeaseListing, EmptyTableIsItsHeader) {
  EXPECT_EQ(format_lease_table({}, t0()), "MAC  IP  STATE  EXPIRES  PHASE  UUID  RELAY  CIRCUIT-ID  REMOTE-ID\n");
}

// What a lease keeps of the relay it came through: giaddr, and option 82's circuit-id and
// remote-id, which the relay (or a host claiming to be one) chose: printable text as is,
// control bytes and the rest as hex, never raw on the terminal, at most 64 characters.
TEST(LeaseListing, RelayAndOption82IdsAreShownEscapedAndCapped) {
  Lease relayed = make_lease(mac(0x12), ip("10.12.0.100"), LeaseState::Bound, t0() + hours(1));
  relayed.relay_address = ip("10.12.0.1");
  relayed.circuit_id = "Gi0/1.12";
  relayed.remote_id = std::string("\x00\x1b[2J", 5);  // ESC [2J: would clear the terminal
  Lease forged = make_lease(mac(0x13), ip("10.12.0.101"), LeaseState::Bound, t0() + hours(1));
  forged.relay_address = ip("10.12.0.1");
  forged.circuit_id = std::string(200, 'x');
  forged.remote_id = "a\nFAKE LINE";
  const std::vector<Lease> leases{relayed, forged};
  const std::string table = format_lease_table(leases, t0());
  std::istringstream lines(table);
  std::string header, first, second;
  std::getline(lines, header);
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_NE(first.find("  10.12.0.1  Gi0/1.12  "), std::string::npos) << table;
  EXPECT_TRUE(first.ends_with("  00:1b:5b:32:4a")) << table;
  EXPECT_NE(second.find("  " + std::string(64, 'x') + "...  "), std::string::npos) << table;
  EXPECT_TRUE(second.ends_with("  61:0a:46:41:4b:45:20:4c:49:4e:45")) << table;
  EXPECT_EQ(table.find('\x1b'), std::string::npos);
  EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), 3) << "one line per lease, whatever the ids hold";
  EXPECT_EQ(header.find("RELAY"), first.find("  10.12.0.1  ") + 2) << "aligned";

  const auto json = nlohmann::json::parse(format_lease_json(leases, t0()));
  const auto& one = json["leases"][0];
  EXPECT_EQ(one["relay"], "10.12.0.1");
  EXPECT_EQ(one["circuit_id"], "Gi0/1.12");
  EXPECT_EQ(one["remote_id"], "00:1b:5b:32:4a");
  EXPECT_EQ(json["leases"][1]["circuit_id"], std::string(64, 'x') + "...");
  const auto plain = nlohmann::json::parse(format_lease_json(sample(), t0()));
  for (const char* key : {"relay", "circuit_id", "remote_id"})
    EXPECT_TRUE(plain["leases"][0][key].is_null()) << key << ": a lease that came through no relay";
}

TEST(LeaseListing, JsonHasEveryFieldByAddress) {
  const auto leases = sample();
  const auto json = nlohmann::json::parse(format_lease_json(leases, t0()));
  ASSERT_EQ(json.at("leases").size(), 3u);
  const auto& first = json["leases"][0];
  EXPECT_EQ(first["mac"], "52:54:00:00:00:02");
  EXPECT_EQ(first["ip"], "10.0.0.9");
  EXPECT_EQ(first["state"], "bound");
  EXPECT_EQ(first["expired"], true);
  EXPECT_EQ(first["expires"], "2027-01-15T07:00:00Z");
  EXPECT_EQ(first["expires_unix"], 1'800'000'000 - 3600);
  EXPECT_EQ(first["phase"], "idle");
  EXPECT_TRUE(first["uuid"].is_null());
  const auto& released = json["leases"][1];
  EXPECT_EQ(released["state"], "released");
  EXPECT_EQ(released["expired"], false);
  EXPECT_EQ(released["phase"], "os");
  EXPECT_EQ(released["hostname"], "node-\xef\xbf\xbd");  // U+FFFD for the invalid byte
  const auto& pxe = json["leases"][2];
  EXPECT_EQ(pxe["uuid"], "01234567-89ab-cdef-0123-456789abcdef");
  EXPECT_EQ(pxe["phase"], "pxe");
}

TEST(LeaseListing, EmptyJsonIsAnEmptyList) {
  EXPECT_EQ(nlohmann::json::parse(format_lease_json({}, t0())), nlohmann::json::parse(R"({"leases": []})"));
}

}  // namespace
}  // namespace netboot::lease
