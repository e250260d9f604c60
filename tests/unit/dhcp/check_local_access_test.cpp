#include <gtest/gtest.h>

#include "dhcp/pipeline/check_local_access.hpp"
#include "dhcp/pipeline/classify_request.hpp"
#include "dhcp/pipeline/identify_client.hpp"
#include "dhcp/pipeline/track_boot_phase.hpp"
#include "unit/dhcp/pipeline_test_support.hpp"

namespace netboot::dhcp {
namespace {

using config::AccessMode;
using test::mac;
using test::RequestSpec;

const char* const kClient = "52:54:00:12:34:56";        // the default RequestSpec MAC
const char* const kGuidText = "4c414230-1234-4567-89ab-cdef00770001";  // test::kGuid

config::AccessLists lists(std::vector<std::pair<const char*, bool>> macs, std::vector<std::pair<const char*, bool>> uuids) {
  config::AccessLists l;
  int line = 1;
  for (const auto& [key, allow] : macs) l.mac.push_back({*MacPrefix::parse(key), allow, {"lab.ini", line++}});
  for (const auto& [key, allow] : uuids) l.uuid.push_back({*UuidPrefix::parse(key), allow, {"lab.ini", line++}});
  return l;
}

struct Outcome {
  Verdict verdict;
  std::string text;  // the drop reason, or the "allowed" log line
};

/// Runs the steps before the access check, as the pipeline does, then the step itself.
Outcome check(AccessMode mode, const config::AccessLists& l, const RequestSpec& spec,
              const std::vector<lease::Lease>& leases = {}, std::map<MacAddress, Ipv4Address> reserved = {}) {
  lease::MemoryLeaseStore store([](std::function<void()>) {}, leases);
  auto ex = test::exchange(spec);
  IdentifyClient().apply(ex);
  ClassifyRequest(test::ip("192.168.1.1")).apply(ex);
  if (TrackBootPhase(true, store).apply(ex) != Verdict::Continue) return {Verdict::Drop, ex.drop_reason};
  std::vector<std::string> logged;
  CheckLocalAccess step(mode, l, reserved, [&](std::string_view line) { logged.emplace_back(line); });
  const auto verdict = step.apply(ex);
  if (verdict == Verdict::Drop) {
    EXPECT_TRUE(logged.empty()) << "a drop is logged by the service, not twice";
    return {verdict, ex.drop_reason};
  }
  EXPECT_EQ(logged.size(), mode == AccessMode::None ? 0u : 1u) << "one line per allowed request";
  return {verdict, logged.empty() ? std::string() : logged.front()};
}

lease::Lease pxe_booted(std::optional<Uuid> uuid) {
  lease::Lease l;
  l.mac = mac(kClient);
  l.address = test::ip("192.168.1.100");
  l.state = lease::LeaseState::Bound;
  l.expires = test::kNow + std::chrono::hours(1);
  l.phase = lease::BootPhase::Pxe;
  l.uuid = uuid;
  return l;
}

TEST(CheckLocalAccessStep, MacModeThreeOutcomes) {
  struct Case {
    const char* name;
    config::AccessLists lists;
    Verdict verdict;
    const char* text;
  };
  const Case cases[] = {
      {"listed", lists({{"52-54-00-12-34-56", true}}, {}), Verdict::Continue,
       "52:54:00:12:34:56 allowed by [mac] 52-54-00-12-34-56 (lab.ini:1)"},
      {"allowed by an OUI mask", lists({{"52:54:00/24", true}}, {}), Verdict::Continue,
       "52:54:00:12:34:56 allowed by [mac] 52-54-00-00-00-00/24 (lab.ini:1)"},
      {"blocked", lists({{"52:54:00/24", true}, {"52-54-00-12-34-56", false}}, {}), Verdict::Drop,
       "52:54:00:12:34:56 blocked by [mac] 52-54-00-12-34-56 (lab.ini:2)"},
      {"unlisted", lists({{"52-54-00-12-34-57", true}}, {}), Verdict::Drop, "52:54:00:12:34:56 is not listed in [mac]"},
      {"empty list", lists({}, {}), Verdict::Drop, "52:54:00:12:34:56 is not listed in [mac]"},
      {"UUID list does not count in mac mode", lists({}, {{kGuidText, true}}), Verdict::Drop,
       "52:54:00:12:34:56 is not listed in [mac]"},
  };
  for (const auto& c : cases) {
    const auto out = check(AccessMode::Mac, c.lists, {});
    EXPECT_EQ(out.verdict, c.verdict) << c.name;
    EXPECT_EQ(out.text, c.text) << c.name;
  }
}

TEST(CheckLocalAccessStep, StaticLeasesAreAllowedUnlessBlocked) {
  const std::map<MacAddress, Ipv4Address> reserved{{mac(kClient), test::ip("192.168.1.50")}};
  for (const auto mode : {AccessMode::Mac, AccessMode::Uuid}) {
    const auto unlisted = check(mode, lists({}, {}), {.guid = false}, {}, reserved);
    EXPECT_EQ(unlisted.verdict, Verdict::Continue);
    EXPECT_EQ(unlisted.text, "52:54:00:12:34:56 allowed: [static_dhcp] reservation");
    const auto blocked = check(mode, lists({{"52:54:00/24", false}}, {{kGuidText, true}}), {}, {}, reserved);
    EXPECT_EQ(blocked.verdict, Verdict::Drop);
    EXPECT_EQ(blocked.text, "52:54:00:12:34:56 blocked by [mac] 52-54-00-00-00-00/24 (lab.ini:1)");
  }
}

TEST(CheckLocalAccessStep, UuidModeThreeOutcomes) {
  struct Case {
    const char* name;
    config::AccessLists lists;
    RequestSpec spec;
    Verdict verdict;
    const char* text;
  };
  const Case cases[] = {
      {"listed UUID", lists({}, {{kGuidText, true}}), {}, Verdict::Continue,
       "52:54:00:12:34:56 UUID 4c414230-1234-4567-89ab-cdef00770001 allowed by [uuid] "
       "4c414230-1234-4567-89ab-cdef00770001 (lab.ini:1)"},
      {"UUID prefix", lists({}, {{"4c414230-1234/48", true}}), {}, Verdict::Continue,
       "52:54:00:12:34:56 UUID 4c414230-1234-4567-89ab-cdef00770001 allowed by [uuid] "
       "4c414230-1234-0000-0000-000000000000/48 (lab.ini:1)"},
      {"blocked UUID", lists({}, {{"4c414230/32", true}, {kGuidText, false}}), {}, Verdict::Drop,
       "52:54:00:12:34:56 UUID 4c414230-1234-4567-89ab-cdef00770001 blocked by [uuid] "
       "4c414230-1234-4567-89ab-cdef00770001 (lab.ini:2)"},
      {"unlisted UUID", lists({{"52:54:00/24", true}}, {{"00000000-1234/48", true}}), {}, Verdict::Drop,
       "52:54:00:12:34:56 UUID 4c414230-1234-4567-89ab-cdef00770001 is not listed in [uuid]"},
      {"PXE without option 97", lists({}, {{kGuidText, true}}), {.guid = false}, Verdict::Drop,
       "52:54:00:12:34:56 sent no UUID (option 97) and has not PXE-booted here"},
      {"plain DHCP never seen", lists({}, {{kGuidText, true}}), {.pxe = false}, Verdict::Drop,
       "52:54:00:12:34:56 sent no UUID (option 97) and has not PXE-booted here"},
      {"[mac] blocks apply in uuid mode too", lists({{"52-54-00-12-34-56", false}}, {{kGuidText, true}}), {},
       Verdict::Drop, "52:54:00:12:34:56 blocked by [mac] 52-54-00-12-34-56 (lab.ini:1)"},
  };
  for (const auto& c : cases) {
    const auto out = check(AccessMode::Uuid, c.lists, c.spec);
    EXPECT_EQ(out.verdict, c.verdict) << c.name;
    EXPECT_EQ(out.text, c.text) << c.name;
  }
}

TEST(CheckLocalAccessStep, OsPhaseUsesTheUuidRememberedFromThePxeBoot) {
  const auto allowed = lists({}, {{kGuidText, true}});
  const auto os = check(AccessMode::Uuid, allowed, {.pxe = false}, {pxe_booted(Uuid::parse(kGuidText))});
  EXPECT_EQ(os.verdict, Verdict::Continue);
  EXPECT_EQ(os.text, "52:54:00:12:34:56 UUID 4c414230-1234-4567-89ab-cdef00770001 (remembered from its PXE boot) "
                     "allowed by [uuid] 4c414230-1234-4567-89ab-cdef00770001 (lab.ini:1)");
  // The list is consulted again: a UUID blocked since the PXE boot is refused in the OS phase.
  const auto now_blocked =
      check(AccessMode::Uuid, lists({}, {{kGuidText, false}}), {.pxe = false}, {pxe_booted(Uuid::parse(kGuidText))});
  EXPECT_EQ(now_blocked.verdict, Verdict::Drop);
  // A lease without a UUID (it booted before uuid mode, or without option 97) proves nothing.
  const auto no_uuid = check(AccessMode::Uuid, allowed, {.pxe = false}, {pxe_booted(std::nullopt)});
  EXPECT_EQ(no_uuid.verdict, Verdict::Drop);
  EXPECT_EQ(no_uuid.text, "52:54:00:12:34:56 sent no UUID (option 97) and has not PXE-booted here");
}

// pybootd matched and logged option 97's bytes as sent (UUID(bytes=...)): the same machine
// is 3042414c-3412-6745-89ab-cdef00770001 in its logs and lists.
TEST(CheckLocalAccessStep, UuidEntriesMatchInPybootdsByteOrderToo) {
  const char* const pybootd_text = "3042414c-3412-6745-89ab-cdef00770001";
  struct Case {
    const char* name;
    config::AccessLists lists;
    Verdict verdict;
    std::string text;
    bool debug_line;
  };
  const Case cases[] = {
      {"copied from pybootd's log", lists({}, {{pybootd_text, true}}), Verdict::Continue,
       std::string("52:54:00:12:34:56 UUID 4c414230-1234-4567-89ab-cdef00770001 allowed by [uuid] ") + pybootd_text +
           " (lab.ini:1) (in pybootd's byte order, " + pybootd_text + ")",
       true},
      {"pybootd's uuid/mask form in its order", lists({}, {{"3042414c-0000-0000-0000-000000000000/ffffffff-0000-0000-0000-000000000000", true}}),
       Verdict::Continue,
       "52:54:00:12:34:56 UUID 4c414230-1234-4567-89ab-cdef00770001 allowed by [uuid] "
       "3042414c-0000-0000-0000-000000000000/32 (lab.ini:1) (in pybootd's byte order, " + std::string(pybootd_text) + ")",
       true},
      {"blocked in pybootd's order", lists({}, {{kGuidText, true}, {pybootd_text, false}}), Verdict::Drop,
       std::string("52:54:00:12:34:56 UUID 4c414230-1234-4567-89ab-cdef00770001 blocked by [uuid] ") + pybootd_text +
           " (lab.ini:2) (in pybootd's byte order, " + pybootd_text + ")",
       true},
      {"netbootd's order: no conversion note", lists({}, {{kGuidText, true}}), Verdict::Continue,
       "52:54:00:12:34:56 UUID 4c414230-1234-4567-89ab-cdef00770001 allowed by [uuid] "
       "4c414230-1234-4567-89ab-cdef00770001 (lab.ini:1)",
       false},
      {"neither order", lists({}, {{"3042414c-3412-6745-89ab-cdef00770002", true}}), Verdict::Drop,
       "52:54:00:12:34:56 UUID 4c414230-1234-4567-89ab-cdef00770001 is not listed in [uuid]", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    lease::MemoryLeaseStore store([](std::function<void()>) {});
    auto ex = test::exchange({});
    IdentifyClient().apply(ex);
    ClassifyRequest(test::ip("192.168.1.1")).apply(ex);
    ASSERT_EQ(TrackBootPhase(true, store).apply(ex), Verdict::Continue);
    std::vector<std::string> info, debug;
    CheckLocalAccess step(AccessMode::Uuid, c.lists, {}, [&](std::string_view l) { info.emplace_back(l); },
                          [&](std::string_view l) { debug.emplace_back(l); });
    EXPECT_EQ(step.apply(ex), c.verdict);
    EXPECT_EQ(c.verdict == Verdict::Drop ? ex.drop_reason : info.at(0), c.text);
    ASSERT_EQ(debug.size(), c.debug_line ? 1u : 0u);
    if (c.debug_line) {  // both forms, so that the list can be converted
      EXPECT_NE(debug[0].find(pybootd_text), std::string::npos) << debug[0];
      EXPECT_NE(debug[0].find("write it 4c414230-1234-4567-89ab-cdef00770001"), std::string::npos) << debug[0];
    }
  }
}

TEST(CheckLocalAccessStep, NoneModeServesEveryone) {
  EXPECT_EQ(check(AccessMode::None, lists({{"52:54:00/24", false}}, {}), {}).verdict, Verdict::Continue);
}

}  // namespace
}  // namespace netboot::dhcp
