#include "lease/lease_listing.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

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
            "MAC                IP          STATE            EXPIRES               PHASE  UUID\n"
            "52:54:00:00:00:02  10.0.0.9    bound (expired)  2027-01-15T07:00:00Z  idle   -\n"
            "52:54:00:00:00:03  10.0.0.100  released         2027-01-15T10:00:00Z  os     -\n"
            "52:54:00:00:0A:0B  10.0.0.120  bound            2027-01-15T09:00:00Z  pxe    "
            "01234567-89ab-cdef-0123-456789abcdef\n");
}

TEST(LeaseListing, EmptyTableIsItsHeader) {
  EXPECT_EQ(format_lease_table({}, t0()), "MAC  IP  STATE  EXPIRES  PHASE  UUID\n");
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
