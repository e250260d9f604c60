#include "config/reload_plan.hpp"

#include <gtest/gtest.h>

namespace netboot::config {
namespace {

IniFile ini(std::string_view text) {
  auto parsed = parse_ini_text(text, "netbootd.ini");
  EXPECT_TRUE(parsed.has_value()) << (parsed ? "" : parsed.error().detail);
  return parsed ? *parsed : IniFile{};
}

constexpr std::string_view kStart =
    "[bootp]\npool_start = 10.0.0.100\nboot_file = a.0\n[mac]\n02-00-00-00-00-01 = on\n"
    "[http]\nlocation = 127.0.0.1:1\ntimeout = 3\n[tftp]\nport = 69\n";

TEST(Reloadable, TheListedSectionsAndBootFileOnly) {
  for (const auto* section : {"mac", "UUID", "static_dhcp", "bootfile", "filters", "buggy_clients", "http"})
    EXPECT_TRUE(reloadable(section, "anything")) << section;
  EXPECT_TRUE(reloadable("bootp", "Boot_File"));
  EXPECT_TRUE(reloadable("bootpd", "boot_file"));
  EXPECT_FALSE(reloadable("http", "timeout"));
  for (const auto* key : {"pool_start", "pool_count", "lease_file", "address", "port", "interface", "access"})
    EXPECT_FALSE(reloadable("bootp", key)) << key;
  EXPECT_FALSE(reloadable("tftp", "root"));
  EXPECT_FALSE(reloadable("netbootd", "user"));
  EXPECT_FALSE(reloadable("logger", "level"));
}

TEST(PlanReload, TakesTheReloadablePartsAndKeepsTheRest) {
  Config running;
  running.dhcp.pool_start = *Ipv4Address::parse("10.0.0.100");
  running.http_access.timeout = 3;
  running.tftp.port = 69;
  Config next = running;
  next.dhcp.pool_start = *Ipv4Address::parse("10.0.0.150");
  next.tftp.port = 6969;
  next.http_access.timeout = 9;
  next.http_access.location = "http://127.0.0.1:2";
  next.access_lists.mac.push_back({*MacPrefix::parse("02-00-00-00-00-02"), true, {}});
  next.dhcp.static_leases[*MacAddress::parse("02-00-00-00-00-03")] = *Ipv4Address::parse("10.0.0.5");
  next.dhcp.buggy_clients.push_back(*MacPrefix::parse("02-00-00-00-00-00/24"));
  next.dhcp.boot_files.fallback = "b.0";
  next.tftp.filters.push_back({"x", "y", {}});

  const auto plan = plan_reload(ini(kStart), ini(kStart), running, ini(kStart), next);
  EXPECT_EQ(plan.config.dhcp.pool_start, running.dhcp.pool_start);
  EXPECT_EQ(plan.config.tftp.port, 69);
  EXPECT_EQ(plan.config.http_access.timeout, 3);
  EXPECT_EQ(plan.config.http_access.location, "http://127.0.0.1:2");
  EXPECT_EQ(plan.config.access_lists.mac.size(), 1u);
  EXPECT_EQ(plan.config.dhcp.static_leases.size(), 1u);
  EXPECT_EQ(plan.config.dhcp.buggy_clients.size(), 1u);
  EXPECT_EQ(plan.config.dhcp.boot_files.fallback, "b.0");
  EXPECT_EQ(plan.config.tftp.filters.size(), 1u);
}

TEST(PlanReload, ReportsChangesAgainstTheLastFileAndRestartKeysAgainstTheFirst) {
  const IniFile start = ini(kStart);
  const IniFile next = ini(
      "[bootp]\npool_start = 10.0.0.150\nboot_file = b.0\nlease_time = 60\n[mac]\n02-00-00-00-00-01 = on\n"
      "02-00-00-00-00-02 = off\n[http]\nlocation = 127.0.0.1:1\ntimeout = 5\n[uuid]\n");
  const auto plan = plan_reload(start, start, Config{}, next, Config{});
  EXPECT_EQ(plan.changes, (std::vector<std::string>{"[bootp] boot_file changed", "[mac] changed (1 -> 2 entries)"}));
  EXPECT_EQ(plan.needs_restart,
            (std::vector<std::string>{
                "[bootp] lease_time needs a restart: keeping its default (the file now says '60')",
                "[bootp] pool_start needs a restart: keeping '10.0.0.100' (the file now says '10.0.0.150')",
                "[http] timeout needs a restart: keeping '3' (the file now says '5')",
                "[tftp] port needs a restart: keeping '69' (the file no longer sets it)",
            }));
  // The next reload of the same file: no change, the restart keys still reported.
  const auto again = plan_reload(start, next, Config{}, next, Config{});
  EXPECT_TRUE(again.changes.empty());
  EXPECT_EQ(again.needs_restart.size(), 4u);
  // Back to the first file: nothing to report.
  const auto back = plan_reload(start, next, Config{}, start, Config{});
  EXPECT_TRUE(back.needs_restart.empty());
  EXPECT_EQ(back.changes, (std::vector<std::string>{"[bootp] boot_file changed", "[mac] changed (2 -> 1 entries)"}));
}

TEST(PlanReload, ARestartKeyNeverShowsAPasswordOrAControlByte) {
  const IniFile start = ini("[bootp]\npool_start = 10.0.0.100\nlease_file = postgresql://bob:OLDPW@db/leases\n");
  const IniFile next = ini("[bootp]\npool_start = 10.0.0.100\nlease_file = postgresql://bob:NEWPW@db/leases\n"
                           "domain = a\x1b[31mb\n");
  const auto plan = plan_reload(start, start, Config{}, next, Config{});
  ASSERT_EQ(plan.needs_restart.size(), 2u);
  EXPECT_EQ(plan.needs_restart[1],
            "[bootp] lease_file needs a restart: keeping 'postgresql://bob:***@db/leases' (the file now says "
            "'postgresql://bob:***@db/leases')");
  EXPECT_EQ(plan.needs_restart[0], "[bootp] domain needs a restart: keeping its default (the file now says 'a\\x1b[31mb')");
}

}  // namespace
}  // namespace netboot::config
