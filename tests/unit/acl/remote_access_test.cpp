#include <gtest/gtest.h>

#include "acl/remote_access.hpp"

namespace netboot::acl {
namespace {

config::HttpAccessConfig server(std::string location, std::string pxe = "/boot", std::string dhcp = "/linux") {
  config::HttpAccessConfig c;
  c.location = std::move(location);
  c.pxe_path = std::move(pxe);
  c.dhcp_path = std::move(dhcp);
  return c;
}

TEST(AccessUrl, AsPybootdSendsIt) {
  const auto mac = *MacAddress::parse("52:54:00:ab:cd:0e");
  const auto uuid = *Uuid::parse("4c414230-1234-4567-89ab-cdef00770001");
  const auto address = *Ipv4Address::parse("198.18.0.100");
  struct Case {
    const char* name;
    config::HttpAccessConfig config;
    AccessQuery query;
    const char* url;
  };
  const Case cases[] = {
      {"PXE request: pxe path, MAC with '-', UUID upper-case", server("http://auth:8080"), {mac, uuid, {}, true},
       "http://auth:8080/boot?mac=52-54-00-AB-CD-0E&uuid=4C414230-1234-4567-89AB-CDEF00770001"},
      {"plain request: dhcp path, address held", server("http://auth:8080"), {mac, uuid, address, false},
       "http://auth:8080/linux?mac=52-54-00-AB-CD-0E&uuid=4C414230-1234-4567-89AB-CDEF00770001&ip=198.18.0.100"},
      {"no UUID: left out", server("https://auth/acl"), {mac, {}, {}, false},
       "https://auth/acl/linux?mac=52-54-00-AB-CD-0E"},
      {"same path for both phases", server("http://a", "/check", "/check"), {mac, {}, {}, true},
       "http://a/check?mac=52-54-00-AB-CD-0E"},
      {"path with its own query", server("http://a", "/q?site=lab"), {mac, {}, {}, true},
       "http://a/q?site=lab&mac=52-54-00-AB-CD-0E"},
      {"empty path", server("http://a", "", ""), {mac, {}, {}, true}, "http://a?mac=52-54-00-AB-CD-0E"},
  };
  for (const auto& c : cases) EXPECT_EQ(access_url(c.config, c.query), c.url) << c.name;
}

// pybootd 1.8's code: urlencode({'mac': 'AA:BB:..', 'uuid': str(UUID(bytes=option 97))}).
TEST(AccessUrl, Pybootd18QueryForm) {
  auto config = server("http://auth:8080");
  config.query_form = config::AccessQueryForm::Pybootd18;
  const auto mac = *MacAddress::parse("52:54:00:ab:cd:0e");
  const auto uuid = *Uuid::parse("4c414230-1234-4567-89ab-cdef00770001");  // SMBIOS text form
  const auto address = *Ipv4Address::parse("198.18.0.100");
  EXPECT_EQ(access_url(config, {mac, uuid, {}, true}),
            "http://auth:8080/boot?mac=52%3A54%3A00%3AAB%3ACD%3A0E&uuid=3042414c-3412-6745-89ab-cdef00770001");
  EXPECT_EQ(access_url(config, {mac, uuid, address, false}),
            "http://auth:8080/linux?mac=52%3A54%3A00%3AAB%3ACD%3A0E&uuid=3042414c-3412-6745-89ab-cdef00770001"
            "&ip=198.18.0.100");
  EXPECT_EQ(access_url(config, {mac, {}, {}, false}), "http://auth:8080/linux?mac=52%3A54%3A00%3AAB%3ACD%3A0E");
}

TEST(RemoteVerdictNames, ForLogLines) {
  EXPECT_EQ(to_string(RemoteVerdict::Granted), "granted");
  EXPECT_EQ(to_string(RemoteVerdict::Refused), "refused");
  EXPECT_EQ(to_string(RemoteVerdict::Failed), "failed");
}

}  // namespace
}  // namespace netboot::acl
