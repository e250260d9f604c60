#pragma once
// Shared by the per-step tests: the lab server's address, a bound lease, and a request that
// went through identify + classify as the pipeline runs them before the step under test.
#include "dhcp/pipeline/classify_request.hpp"
#include "dhcp/pipeline/identify_client.hpp"
#include "unit/dhcp/pipeline_test_support.hpp"

namespace netboot::dhcp::test {

inline const Ipv4Address kServer = ip("192.168.1.1");

inline lease::Lease bound_lease(const MacAddress& m) {
  lease::Lease l;
  l.mac = m;
  l.address = ip("192.168.1.100");
  l.state = lease::LeaseState::Bound;
  return l;
}

/// Runs identify + classify, as the pipeline does before the step under test.
inline Exchange classified(const RequestSpec& spec) {
  auto ex = exchange(spec);
  IdentifyClient().apply(ex);
  ClassifyRequest(kServer).apply(ex);
  return ex;
}

}  // namespace netboot::dhcp::test
