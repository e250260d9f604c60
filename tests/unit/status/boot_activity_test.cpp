#include "status/boot_activity.hpp"

#include <gtest/gtest.h>

namespace netboot::status {
namespace {

using namespace std::chrono_literals;

const WallTime kT0 = WallTime{} + std::chrono::hours(24 * 365 * 50);

MacAddress mac(std::uint8_t last) { return MacAddress({0x52, 0x54, 0, 0, 0, last}); }

DhcpSighting pxe(std::uint8_t last, Ipv4Address address, std::string boot_file = "pxelinux.0") {
  return DhcpSighting{.mac = mac(last), .uuid = std::nullopt, .arch = 0, .client_type = ClientType::FirmwarePxe,
                      .phase = lease::BootPhase::Pxe, .address = address, .boot_file = std::move(boot_file)};
}

Ipv4Address ip(std::uint8_t last) { return Ipv4Address::from_octets({10, 0, 0, last}); }

TEST(BootActivity, MachinesKeepTheirBootOrderAndMoveThroughTheSteps) {
  BootActivity activity;
  activity.on_dhcp(pxe(2, ip(12)), kT0);
  activity.on_dhcp(pxe(1, ip(11)), kT0 + 1s);
  activity.on_dhcp(pxe(2, ip(12)), kT0 + 2s);  // seen again: keeps its place
  auto order = activity.machines_in_boot_order();
  ASSERT_EQ(order.size(), 2u);
  EXPECT_EQ(order[0]->mac, mac(2));
  EXPECT_EQ(order[0]->first_seen, kT0);
  EXPECT_EQ(order[0]->last_seen, kT0 + 2s);
  EXPECT_EQ(order[0]->step, BootStep::Dhcp);

  activity.on_transfer_started(ip(12), "/pxelinux.0", kT0 + 3s);
  EXPECT_EQ(activity.find(mac(2))->step, BootStep::BootFile);
  activity.on_transfer_started(ip(12), "vmlinuz", kT0 + 4s);
  EXPECT_EQ(activity.find(mac(2))->step, BootStep::Kernel);
  DhcpSighting os = pxe(2, ip(12), "");
  os.client_type = ClientType::Os;
  os.phase = lease::BootPhase::Os;
  activity.on_dhcp(os, kT0 + 5s);
  EXPECT_EQ(activity.find(mac(2))->step, BootStep::OsLease);
  EXPECT_EQ(activity.find(mac(2))->boot_file, "pxelinux.0");  // an OS request names none: kept
}

TEST(BootActivity, FirstFileAfterDhcpIsTheBootFileWhenTheReplyNamedNone) {
  BootActivity activity;
  activity.on_dhcp(pxe(1, ip(11), ""), kT0);
  activity.on_transfer_started(ip(11), "undionly.kpxe", kT0);
  EXPECT_EQ(activity.find(mac(1))->step, BootStep::BootFile);
  activity.on_transfer_started(ip(11), "boot.ipxe", kT0);
  EXPECT_EQ(activity.find(mac(1))->step, BootStep::Kernel);
}

TEST(BootActivity, TransfersOfUnknownClientsAreOnlyInTheRecentList) {
  BootActivity activity({.recent_transfers = 2});
  activity.on_transfer_started(ip(99), "x", kT0);
  for (int i = 0; i < 5; ++i)
    activity.on_transfer_ended({.client = ip(99), .file = std::to_string(i), .bytes = 10, .size = 10,
                                .started = kT0, .seconds = 1, .outcome = "completed"});
  EXPECT_EQ(activity.machine_count(), 0u);
  ASSERT_EQ(activity.recent_transfers().size(), 2u);
  EXPECT_EQ(activity.recent_transfers().back().file, "4");
}

TEST(BootActivity, RandomMacsNeverGrowTheTablePastItsBoundAndTheLeastRecentGoesFirst) {
  BootActivity activity({.max_machines = 3, .transfers_per_machine = 2});
  activity.on_dhcp(pxe(1, ip(1)), kT0);
  activity.on_dhcp(pxe(2, ip(2)), kT0);
  activity.on_dhcp(pxe(3, ip(3)), kT0);
  activity.on_dhcp(pxe(1, ip(1)), kT0 + 1s);  // 1 seen again: 2 is now the least recent
  for (int i = 0; i < 10'000; ++i) {
    DhcpSighting s = pxe(0, ip(200));
    s.mac = MacAddress({0x02, 0, 0, static_cast<std::uint8_t>(i >> 16), static_cast<std::uint8_t>(i >> 8),
                        static_cast<std::uint8_t>(i)});
    s.address = Ipv4Address::from_host_order(0x0B000000u + static_cast<std::uint32_t>(i));
    activity.on_dhcp(s, kT0 + 2s);
    ASSERT_LE(activity.machine_count(), 3u);
    if (i == 0) {
      EXPECT_EQ(activity.find(mac(2)), nullptr);
      EXPECT_NE(activity.find(mac(1)), nullptr);
    }
  }
  EXPECT_EQ(activity.machines_evicted(), 10'000u);
  // An evicted machine's address no longer names it.
  activity.on_transfer_ended({.client = ip(2), .file = "f", .bytes = 1, .size = 1, .started = kT0, .seconds = 0,
                              .outcome = "completed"});
  EXPECT_EQ(activity.machine_count(), 3u);
}

TEST(BootActivity, PerMachineTransfersRefusalsAndTextAreBounded) {
  BootActivity activity({.max_machines = 4, .transfers_per_machine = 2, .recent_transfers = 8, .max_refusals = 3,
                         .max_text = 16});
  activity.on_dhcp(pxe(1, ip(1)), kT0);
  for (int i = 0; i < 5; ++i)
    activity.on_transfer_ended({.client = ip(1), .file = std::string(100, 'a') + std::to_string(i), .bytes = 1,
                                .size = 1, .started = kT0, .seconds = 0, .outcome = "completed"});
  const auto* m = activity.find(mac(1));
  ASSERT_EQ(m->transfers.size(), 2u);
  EXPECT_EQ(m->transfers.back().file.size(), 16u);
  for (int i = 0; i < 10; ++i) activity.on_refusal("dhcp", std::string(50, 'm'), std::to_string(i), kT0);
  ASSERT_EQ(activity.refusals().size(), 3u);
  EXPECT_EQ(activity.refusals().back().reason, "9");
  EXPECT_EQ(activity.refusals().back().client.size(), 16u);
}

}  // namespace
}  // namespace netboot::status
