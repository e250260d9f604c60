#include <gtest/gtest.h>

#include "dhcp/boot_event.hpp"

namespace netboot::dhcp {
namespace {

using Kind = BootEvent::Kind;

BootEvent event(Kind kind, const MacAddress& mac, Ipv4Address address, std::optional<Uuid> uuid) {
  BootEvent e;
  e.kind = kind;
  e.mac = mac;
  e.address = address;
  e.uuid = uuid;
  return e;
}

const MacAddress kMac = *MacAddress::parse("52:54:00:ab:cd:0e");
const MacAddress kOther = *MacAddress::parse("52:54:00:00:00:02");
const Uuid kUuid = *Uuid::parse("4c414230-1234-4567-89ab-cdef00770001");
const Ipv4Address kIp = *Ipv4Address::parse("198.18.0.100");
const Ipv4Address kIp2 = *Ipv4Address::parse("198.18.0.101");

TEST(FormatNotification, PybootdSpelling) {
  EXPECT_EQ(format_notification("BOOT", kUuid, kMac, kIp),
            "BOOT,4C414230-1234-4567-89AB-CDEF00770001,52:54:00:AB:CD:0E,198.18.0.100");
  EXPECT_EQ(format_notification("LEASE", std::nullopt, kMac, kIp), "LEASE,52:54:00:AB:CD:0E,198.18.0.100");
}

TEST(NotificationMessages, OneDatagramPerAcknowledgementOrRelease) {
  struct Case {
    const char* name;
    std::vector<BootEvent> events;
    std::vector<std::string> messages;
  };
  const Case cases[] = {
      {"PXE ACK: the pipeline's LEASE + BOOT become one BOOT",
       {event(Kind::Lease, kMac, kIp, kUuid), event(Kind::Boot, kMac, kIp, kUuid)},
       {"BOOT,4C414230-1234-4567-89AB-CDEF00770001,52:54:00:AB:CD:0E,198.18.0.100"}},
      {"plain ACK with a remembered UUID", {event(Kind::Lease, kMac, kIp, kUuid)},
       {"LEASE,4C414230-1234-4567-89AB-CDEF00770001,52:54:00:AB:CD:0E,198.18.0.100"}},
      {"plain ACK without UUID", {event(Kind::Lease, kMac, kIp, std::nullopt)}, {"LEASE,52:54:00:AB:CD:0E,198.18.0.100"}},
      {"release", {event(Kind::Release, kMac, kIp, std::nullopt)}, {"RELEASE,52:54:00:AB:CD:0E,198.18.0.100"}},
      {"decline: no pybootd message", {event(Kind::Decline, kMac, kIp, std::nullopt)}, {}},
      {"a BOOT of another client does not hide this LEASE",
       {event(Kind::Lease, kMac, kIp, std::nullopt), event(Kind::Boot, kOther, kIp2, std::nullopt)},
       {"LEASE,52:54:00:AB:CD:0E,198.18.0.100", "BOOT,52:54:00:00:00:02,198.18.0.101"}},
      {"nothing", {}, {}},
  };
  for (const auto& c : cases) EXPECT_EQ(notification_messages(c.events), c.messages) << c.name;
}

}  // namespace
}  // namespace netboot::dhcp
