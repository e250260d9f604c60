// check_ip: who may download.
#include <gtest/gtest.h>

#include "http/access.hpp"
#include "unit/http/fake_lease_store.hpp"

namespace netboot::http {
namespace {

TEST(DecideAccess, NeedsABoundUnexpiredLeaseWhenCheckIpIsOn) {
  const auto now = lease::WallTime(std::chrono::seconds(1'700'000'000));
  const auto client = Ipv4Address::from_octets({192, 168, 1, 50});
  auto lease_with = [&](lease::LeaseState state, lease::WallTime expires) {
    lease::Lease l;
    l.address = client;
    l.state = state;
    l.expires = expires;
    return l;
  };
  struct Case {
    const char* name;
    std::optional<lease::Lease> lease;
    bool check_ip;
    Access expected;
  };
  const Case cases[] = {
      {"check off, no lease", std::nullopt, false, Access::Allowed},
      {"no lease", std::nullopt, true, Access::NoLease},
      {"bound", lease_with(lease::LeaseState::Bound, now + std::chrono::hours(1)), true, Access::Allowed},
      {"bound but expired", lease_with(lease::LeaseState::Bound, now - std::chrono::seconds(1)), true, Access::NoLease},
      {"expires now", lease_with(lease::LeaseState::Bound, now), true, Access::NoLease},
      {"offered only", lease_with(lease::LeaseState::Offered, now + std::chrono::hours(1)), true, Access::NoLease},
      {"released", lease_with(lease::LeaseState::Released, now + std::chrono::hours(1)), true, Access::NoLease},
      {"declined", lease_with(lease::LeaseState::Declined, now + std::chrono::hours(1)), true, Access::NoLease},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    test::FakeLeaseStore store;
    if (c.lease) store.put(*c.lease);
    EXPECT_EQ(decide_access(c.check_ip, &store, client, now), c.expected);
  }
  EXPECT_EQ(decide_access(true, nullptr, client, now), Access::NoLease);
  EXPECT_EQ(decide_access(false, nullptr, client, now), Access::Allowed);
}

}  // namespace
}  // namespace netboot::http
