#include "status/json_views.hpp"

#include <gtest/gtest.h>

namespace netboot::status {
namespace {

using namespace std::chrono_literals;

// 2026-12-03T13:00:00Z
const WallTime kNow = std::chrono::system_clock::from_time_t(1796302800);

TEST(JsonViews, TimesAreRfc3339Utc) { EXPECT_EQ(format_time(kNow + 5s), "2026-12-03T13:00:05Z"); }

TEST(JsonViews, LeasesCarryMacIpStateExpiryPhaseAndUuid) {
  lease::Lease l;
  l.mac = MacAddress({0x52, 0x54, 0, 0x12, 0x34, 0x56});
  l.address = Ipv4Address::from_octets({10, 0, 0, 7});
  l.state = lease::LeaseState::Bound;
  l.expires = kNow + 1h;
  l.phase = lease::BootPhase::Pxe;
  l.uuid = Uuid::parse("12345678-9abc-def0-1234-56789abcdef0");
  lease::Lease expired = l;
  expired.address = Ipv4Address::from_octets({10, 0, 0, 8});
  expired.expires = kNow - 1s;
  expired.uuid.reset();
  const auto doc = leases_json({l, expired}, kNow);
  EXPECT_EQ(doc["count"], 2);
  const auto& first = doc["leases"][0];
  EXPECT_EQ(first["mac"], "52:54:00:12:34:56");
  EXPECT_EQ(first["ip"], "10.0.0.7");
  EXPECT_EQ(first["state"], "bound");
  EXPECT_EQ(first["expires"], "2026-12-03T14:00:00Z");
  EXPECT_EQ(first["phase"], lease::to_string(lease::BootPhase::Pxe));
  EXPECT_EQ(first["uuid"], "12345678-9abc-def0-1234-56789abcdef0");
  EXPECT_EQ(doc["leases"][1]["state"], "expired");
  EXPECT_TRUE(doc["leases"][1]["uuid"].is_null());
}

TEST(JsonViews, LiveTransferHasRateProgressAndEta) {
  const LiveTransfer t{.client = Ipv4Address::from_octets({10, 0, 0, 7}), .client_port = 2000, .file = "vmlinuz",
                       .bytes = 1000, .size = 4000, .started = kNow, .seconds = 2};
  const auto doc = live_transfer_json(t);
  EXPECT_EQ(doc["bytes"], 1000);
  EXPECT_EQ(doc["size"], 4000);
  EXPECT_DOUBLE_EQ(doc["rate_bytes_per_second"].get<double>(), 500);
  EXPECT_DOUBLE_EQ(doc["eta_seconds"].get<double>(), 6);
  EXPECT_DOUBLE_EQ(doc["progress"].get<double>(), 0.25);
  LiveTransfer unknown = t;
  unknown.size.reset();
  unknown.seconds = 0;
  const auto open = live_transfer_json(unknown);
  EXPECT_TRUE(open["eta_seconds"].is_null());
  EXPECT_TRUE(open["progress"].is_null());
  EXPECT_TRUE(open["size"].is_null());
}

TEST(JsonViews, MachinesInBootOrderWithCurrentTransferPoolsAndRefusals) {
  BootActivity activity;
  const auto a = Ipv4Address::from_octets({10, 0, 0, 7});
  activity.on_dhcp({.mac = MacAddress({2, 0, 0, 0, 0, 2}), .uuid = std::nullopt, .arch = 7,
                    .client_type = ClientType::FirmwarePxe, .phase = lease::BootPhase::Pxe, .address = a,
                    .boot_file = "ipxe.efi"},
                   kNow);
  activity.on_dhcp({.mac = MacAddress({2, 0, 0, 0, 0, 1}), .client_type = ClientType::Os,
                    .address = Ipv4Address::from_octets({10, 0, 0, 9})},
                   kNow + 1s);
  activity.on_transfer_started(a, "ipxe.efi", kNow + 2s);
  activity.on_refusal("tftp", "10.0.0.9", "nothing: File not found", kNow + 3s);
  const std::vector<LiveTransfer> live = {
      {.client = a, .client_port = 1, .file = "ipxe.efi", .bytes = 50, .size = 100, .started = kNow, .seconds = 1}};
  PoolUsage pool{.subnet = "10.0.0.0/24", .first = a, .size = 50, .bound = 1};
  const auto doc = machines_json(activity, live, pool);
  ASSERT_EQ(doc["machines"].size(), 2u);
  const auto& m = doc["machines"][0];
  EXPECT_EQ(m["mac"], "02:00:00:00:00:02");
  EXPECT_EQ(m["client_type"], "firmware-pxe");
  EXPECT_EQ(m["arch"], 7);
  EXPECT_EQ(m["step"], "boot-file");
  EXPECT_EQ(m["address"], "10.0.0.7");
  EXPECT_EQ(m["boot_file"], "ipxe.efi");
  EXPECT_EQ(m["first_seen"], "2026-12-03T13:00:00Z");
  EXPECT_EQ(m["last_seen"], "2026-12-03T13:00:02Z");
  EXPECT_DOUBLE_EQ(m["current_transfer"]["progress"].get<double>(), 0.5);
  EXPECT_EQ(doc["machines"][1]["step"], "os-lease");
  EXPECT_TRUE(doc["machines"][1]["current_transfer"].is_null());
  EXPECT_EQ(doc["pools"][0]["size"], 50);
  EXPECT_EQ(doc["refusals"][0]["service"], "tftp");
}

TEST(JsonViews, InvalidUtf8FromAClientCannotBreakTheDocument) {
  const LiveTransfer t{.client = Ipv4Address::from_octets({10, 0, 0, 7}), .file = std::string("bad\xff\xfe\"name\n")};
  const auto text = to_json_text(transfers_json({t}, {}));
  const auto parsed = nlohmann::json::parse(text);  // throws if invalid
  EXPECT_EQ(parsed["live"][0]["file"], "bad\xEF\xBF\xBD\xEF\xBF\xBD\"name\n");
}

TEST(JsonViews, ListsOnlyTheWindowAskedForAndSayHowManyInAll) {
  std::vector<lease::Lease> leases(5);
  for (std::uint8_t i = 0; i < 5; ++i) {
    leases[i].mac = MacAddress({2, 0, 0, 0, 0, i});
    leases[i].address = Ipv4Address::from_octets({10, 0, 0, static_cast<std::uint8_t>(10 + i)});
  }
  const auto doc = leases_json(leases, kNow, ListWindow{.offset = 3, .limit = 10});
  EXPECT_EQ(doc["count"], 5);
  EXPECT_EQ(doc["offset"], 3);
  EXPECT_EQ(doc["limit"], 10);
  ASSERT_EQ(doc["leases"].size(), 2u);
  EXPECT_EQ(doc["leases"][0]["ip"], "10.0.0.13");
  EXPECT_EQ(leases_json(leases, kNow, ListWindow{.offset = 9, .limit = 1})["leases"].size(), 0u);

  BootActivity activity;
  for (std::uint8_t i = 0; i < 5; ++i)
    activity.on_dhcp({.mac = MacAddress({2, 0, 0, 0, 0, i})}, kNow + std::chrono::seconds(i));
  const auto machines = machines_json(activity, {}, std::nullopt, ListWindow{.offset = 1, .limit = 2});
  EXPECT_EQ(machines["count"], 5);
  ASSERT_EQ(machines["machines"].size(), 2u);
  EXPECT_EQ(machines["machines"][0]["mac"], "02:00:00:00:00:01");  // boot order
  EXPECT_EQ(machines["machines"][1]["mac"], "02:00:00:00:00:02");
}

TEST(JsonViews, TheActivityVersionChangesWithWhatTheMachinesDocumentShows) {
  BootActivity activity;
  const auto a = Ipv4Address::from_octets({10, 0, 0, 7});
  auto v = activity.version();
  const auto changed = [&] {
    const bool c = activity.version() != v;
    v = activity.version();
    return c;
  };
  activity.on_dhcp({.mac = MacAddress({2, 0, 0, 0, 0, 1}), .address = a}, kNow);
  EXPECT_TRUE(changed());
  activity.on_transfer_started(a, "pxelinux.0", kNow);
  EXPECT_TRUE(changed());
  activity.on_transfer_ended({.client = a, .file = "pxelinux.0"});
  EXPECT_TRUE(changed());
  activity.on_refusal("tftp", "10.0.0.9", "why", kNow);
  EXPECT_TRUE(changed());
  activity.on_transfer_started(Ipv4Address::from_octets({10, 0, 0, 99}), "x", kNow);  // nobody's address
  EXPECT_FALSE(changed());
}

}  // namespace
}  // namespace netboot::status
