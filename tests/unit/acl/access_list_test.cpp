#include <gtest/gtest.h>

#include "acl/access_list.hpp"

namespace netboot::acl {
namespace {

config::AccessRule<MacPrefix> mac_rule(const char* key, bool allow) { return {*MacPrefix::parse(key), allow, {}}; }
config::AccessRule<UuidPrefix> uuid_rule(const char* key, bool allow) { return {*UuidPrefix::parse(key), allow, {}}; }
MacAddress mac(const char* text) { return *MacAddress::parse(text); }

TEST(MacAccessList, ExactEntryWinsOverPrefix) {
  const MacAccessList list({mac_rule("AA-BB-CC/24", false), mac_rule("AA-BB-CC-00-00-01", true)});
  EXPECT_EQ(list.check(mac("aa:bb:cc:00:00:01")).access, Access::Allowed);
  EXPECT_EQ(list.check(mac("aa:bb:cc:00:00:02")).access, Access::Denied);
  EXPECT_EQ(list.check(mac("aa:bb:cd:00:00:02")).access, Access::Unlisted);
}

TEST(MacAccessList, LongestPrefixWinsWhateverTheOrder) {
  const MacAccessList list({mac_rule("AA-BB-CC-DD/32", true), mac_rule("AA-BB/16", false), mac_rule("AA-BB-CC/24", true)});
  EXPECT_EQ(list.check(mac("aa:bb:cc:dd:00:01")).access, Access::Allowed);
  EXPECT_EQ(list.check(mac("aa:bb:cc:00:00:01")).access, Access::Allowed);
  EXPECT_EQ(list.check(mac("aa:bb:00:00:00:01")).access, Access::Denied);
  EXPECT_EQ(list.check(mac("aa:bb:cc:00:00:01")).rule->key.bits, 24);
}

TEST(MacAccessList, BlockWinsBetweenEqualEntries) {
  const MacAccessList list({mac_rule("AA-BB-CC/24", true), mac_rule("AA:BB:CC/24", false)});
  EXPECT_EQ(list.check(mac("aa:bb:cc:00:00:01")).access, Access::Denied);
  const MacAccessList reversed({mac_rule("AA:BB:CC/24", false), mac_rule("AA-BB-CC/24", true)});
  EXPECT_EQ(reversed.check(mac("aa:bb:cc:00:00:01")).access, Access::Denied);
}

TEST(MacAccessList, ColonAndDashSpellingsAreTheSameEntry) {
  const MacAccessList list({mac_rule("00:1e:4f:c4:95:ee", true)});
  EXPECT_EQ(list.check(mac("00-1E-4F-C4-95-EE")).access, Access::Allowed);
  EXPECT_EQ(list.check(mac("00-1E-4F-C4-95-EF")).access, Access::Unlisted);
}

TEST(UuidAccessList, PrefixesAndExactEntries) {
  const UuidAccessList list({uuid_rule("4c414230-1234/48", true), uuid_rule("4c414230-1234-4567-89ab-cdef00770002", false)});
  EXPECT_EQ(list.check(*Uuid::parse("4c414230-1234-4567-89ab-cdef00770001")).access, Access::Allowed);
  EXPECT_EQ(list.check(*Uuid::parse("4c414230-1234-4567-89ab-cdef00770002")).access, Access::Denied);
  EXPECT_EQ(list.check(*Uuid::parse("4c414230-9999-4567-89ab-cdef00770002")).access, Access::Unlisted);
}

TEST(MacAccessList, TableOfMasks) {
  // One list, many clients: what each entry kind decides.
  const MacAccessList list({
      mac_rule("52-54-00/24", true),            // an OUI allowed
      mac_rule("52:54:00:66/32", false),        // a block inside it
      mac_rule("52-54-00-66-00-07", true),      // one machine let through the block
      mac_rule("02-00-00-00-00-00/7", false),   // a mask that is not on an octet boundary
      mac_rule("03:00:00:00:00:09", true),      // exact entry inside that mask
  });
  struct Case {
    const char* mac;
    Access access;
    int bits;  // the deciding entry's length, -1 when none
  };
  const Case cases[] = {
      {"52:54:00:12:34:56", Access::Allowed, 24},  {"52-54-00-66-00-01", Access::Denied, 32},
      {"52:54:00:66:00:07", Access::Allowed, 48},  {"52:54:01:00:00:01", Access::Unlisted, -1},
      {"02:aa:bb:cc:dd:ee", Access::Denied, 7},    {"03:aa:bb:cc:dd:ee", Access::Denied, 7},
      {"03:00:00:00:00:09", Access::Allowed, 48},  {"04:00:00:00:00:09", Access::Unlisted, -1},
      {"00:00:00:00:00:00", Access::Unlisted, -1},
  };
  for (const auto& c : cases) {
    const auto decision = list.check(mac(c.mac));
    EXPECT_EQ(decision.access, c.access) << c.mac;
    EXPECT_EQ(decision.rule == nullptr ? -1 : decision.rule->key.bits, c.bits) << c.mac;
  }
}

TEST(MacAccessList, EmptyListLeavesEveryoneUnlisted) {
  const MacAccessList list({});
  EXPECT_TRUE(list.empty());
  EXPECT_EQ(list.check(mac("52:54:00:12:34:56")).access, Access::Unlisted);
  EXPECT_EQ(list.check(mac("52:54:00:12:34:56")).rule, nullptr);
}

TEST(MacAccessList, DecidingRuleCarriesItsLocation) {
  std::vector<config::AccessRule<MacPrefix>> rules{{*MacPrefix::parse("52-54-00/24"), false, {"netbootd.ini", 12}}};
  const MacAccessList list(std::move(rules));
  const auto decision = list.check(mac("52:54:00:01:02:03"));
  ASSERT_NE(decision.rule, nullptr);
  EXPECT_EQ(decision.rule->where.to_string(), "netbootd.ini:12");
  EXPECT_EQ(decision.rule->key.to_string(), "52-54-00-00-00-00/24");
}

TEST(UuidAccessList, LongestPrefixAndBlockWinsAmongEquals) {
  const UuidAccessList list({uuid_rule("4c414230/32", false), uuid_rule("4c414230-1234/48", true),
                             uuid_rule("4C414230-1234/48", false), uuid_rule("4c414230-9999/48", true)});
  EXPECT_EQ(list.check(*Uuid::parse("4c414230-1234-4567-89ab-cdef00770001")).access, Access::Denied);
  EXPECT_EQ(list.check(*Uuid::parse("4c414230-9999-4567-89ab-cdef00770001")).access, Access::Allowed);
  EXPECT_EQ(list.check(*Uuid::parse("4c414230-0000-4567-89ab-cdef00770001")).access, Access::Denied);
  EXPECT_EQ(list.check(*Uuid::parse("5c414230-1234-4567-89ab-cdef00770001")).access, Access::Unlisted);
}

TEST(AccessOutcome, NamesUsedInLogLines) {
  EXPECT_EQ(to_string(Access::Allowed), "allowed");
  EXPECT_EQ(to_string(Access::Denied), "blocked");
  EXPECT_EQ(to_string(Access::Unlisted), "unlisted");
}

}  // namespace
}  // namespace netboot::acl
