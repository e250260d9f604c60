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

}  // namespace
}  // namespace netboot::acl
