#include "status/telemetry.hpp"

#include <gtest/gtest.h>

namespace netboot::status {
namespace {

using namespace std::chrono_literals;

const WallTime kNow = WallTime{} + std::chrono::hours(24 * 365 * 50);

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

TEST(Telemetry, DhcpFiguresByTypeAndVerdict) {
  Telemetry t;
  t.dhcp.received[dhcp_type_slot(dhcp::MessageType::Discover)] += 3;
  t.dhcp.count(dhcp::MessageType::Discover, DhcpVerdict::Served);
  t.dhcp.count(dhcp::MessageType::Discover, DhcpVerdict::Served);
  t.dhcp.count(dhcp::MessageType::Discover, DhcpVerdict::RefusedAcl);
  t.dhcp.count(dhcp::MessageType::Request, DhcpVerdict::Nak);
  t.dhcp.count(std::nullopt, DhcpVerdict::Parked);
  t.dhcp.replies[dhcp_type_slot(dhcp::MessageType::Offer)] = 2;
  const auto text = encode_exposition(metric_families(t, {}));
  EXPECT_TRUE(has_line(text, "netbootd_dhcp_received_total{type=\"DISCOVER\"} 3")) << text;
  EXPECT_TRUE(has_line(text, "netbootd_dhcp_requests_total{type=\"DISCOVER\",verdict=\"served\"} 2"));
  EXPECT_TRUE(has_line(text, "netbootd_dhcp_requests_total{type=\"DISCOVER\",verdict=\"refused_acl\"} 1"));
  EXPECT_TRUE(has_line(text, "netbootd_dhcp_requests_total{type=\"REQUEST\",verdict=\"nak\"} 1"));
  EXPECT_TRUE(has_line(text, "netbootd_dhcp_requests_total{type=\"BOOTP\",verdict=\"parked\"} 1"));
  EXPECT_TRUE(has_line(text, "netbootd_dhcp_replies_sent_total{type=\"OFFER\"} 2"));
  EXPECT_TRUE(has_line(text, "netbootd_dhcp_replies_sent_total{type=\"NAK\"} 0"));  // present before the first one
  EXPECT_EQ(text.find("pool"), std::string::npos);  // no DHCP pool, no pool families
}

TEST(Telemetry, TftpHttpAccessRefusalsAndSuppressedLines) {
  Telemetry t;
  t.tftp.started = 3;
  t.tftp.ended[0] = 2;
  t.tftp.ended[2] = 1;  // timed out
  t.tftp.sent_bytes = 123456;
  t.tftp.retransmissions = 4;
  t.tftp.duration_seconds.observe(0.3);
  t.http.downloads = 1;
  t.http.sent_bytes = 99;
  t.http.responses_by_class[4] = 2;
  t.access.outcomes[1] = 5;
  t.access.seconds.observe(0.002);
  t.refusals.add("tftp", "not_found");
  t.refusals.add("tftp", "not_found");
  t.refusals.add("dhcp", "check-local-access");
  ScrapeReadings r;
  r.tftp_active = 1;
  r.log_lines_suppressed.push_back({"dhcp", 17});
  const auto text = encode_exposition(metric_families(t, r));
  EXPECT_TRUE(has_line(text, "netbootd_tftp_transfers_started_total 3")) << text;
  EXPECT_TRUE(has_line(text, "netbootd_tftp_transfers_completed_total 2"));
  EXPECT_TRUE(has_line(text, "netbootd_tftp_transfers_failed_total{reason=\"timed_out\"} 1"));
  EXPECT_TRUE(has_line(text, "netbootd_tftp_transfers_failed_total{reason=\"client_aborted\"} 0"));
  EXPECT_TRUE(has_line(text, "netbootd_tftp_sent_bytes_total 123456"));
  EXPECT_TRUE(has_line(text, "netbootd_tftp_retransmissions_total 4"));
  EXPECT_TRUE(has_line(text, "netbootd_tftp_transfer_duration_seconds_bucket{le=\"0.5\"} 1"));
  EXPECT_TRUE(has_line(text, "netbootd_tftp_transfer_duration_seconds_bucket{le=\"0.25\"} 0"));
  EXPECT_TRUE(has_line(text, "netbootd_tftp_transfers_active 1"));
  EXPECT_TRUE(has_line(text, "netbootd_http_downloads_total 1"));
  EXPECT_TRUE(has_line(text, "netbootd_http_sent_bytes_total 99"));
  EXPECT_TRUE(has_line(text, "netbootd_http_responses_total{code=\"4xx\"} 2"));
  EXPECT_TRUE(has_line(text, "netbootd_access_checks_total{outcome=\"denied\"} 5"));
  EXPECT_TRUE(has_line(text, "netbootd_access_check_duration_seconds_count 1"));
  EXPECT_TRUE(has_line(text, "netbootd_requests_refused_total{service=\"tftp\",reason=\"not_found\"} 2"));
  EXPECT_TRUE(has_line(text, "netbootd_requests_refused_total{service=\"dhcp\",reason=\"check-local-access\"} 1"));
  EXPECT_TRUE(has_line(text, "netbootd_log_lines_suppressed_total{service=\"dhcp\"} 17"));
}

TEST(Telemetry, CountPoolCountsOnlyThePoolByState) {
  const auto first = Ipv4Address::from_octets({10, 0, 0, 100});
  auto lease_at = [&](std::uint32_t offset, lease::LeaseState state, WallTime expires) {
    lease::Lease l;
    l.address = first.plus(offset);
    l.state = state;
    l.expires = expires;
    return l;
  };
  const std::vector<lease::Lease> leases = {
      lease_at(0, lease::LeaseState::Bound, kNow + 1h),     lease_at(1, lease::LeaseState::Bound, kNow - 1s),
      lease_at(2, lease::LeaseState::Offered, kNow + 60s),  lease_at(3, lease::LeaseState::Released, kNow),
      lease_at(4, lease::LeaseState::Declined, kNow + 1h),  lease_at(10, lease::LeaseState::Bound, kNow + 1h),
      lease_at(static_cast<std::uint32_t>(-1), lease::LeaseState::Bound, kNow + 1h)};  // below the pool
  const auto pool = count_pool("10.0.0.0/24", first, 10, 2, leases, kNow);
  EXPECT_EQ(pool.bound, 1u);
  EXPECT_EQ(pool.expired, 1u);
  EXPECT_EQ(pool.offered, 1u);
  EXPECT_EQ(pool.released, 1u);
  EXPECT_EQ(pool.declined, 1u);
  ScrapeReadings r;
  r.pool = pool;
  const Telemetry nothing_counted;
  const auto text = encode_exposition(metric_families(nothing_counted, r));
  EXPECT_TRUE(has_line(text, "netbootd_pool_addresses{subnet=\"10.0.0.0/24\"} 10")) << text;
  EXPECT_TRUE(has_line(text, "netbootd_leases{subnet=\"10.0.0.0/24\",state=\"bound\"} 1"));
  EXPECT_TRUE(has_line(text, "netbootd_reservations{subnet=\"10.0.0.0/24\"} 2"));
}

TEST(Telemetry, EveryCounterEndsInTotalAndEveryFamilyIsWellFormed) {
  Telemetry t;
  ScrapeReadings r;
  r.pool = PoolUsage{};
  for (const auto& family : metric_families(t, r)) {
    EXPECT_TRUE(family.name.starts_with("netbootd_")) << family.name;
    EXPECT_TRUE(valid_metric_name(family.name)) << family.name;
    if (family.type == MetricType::Counter) EXPECT_TRUE(family.name.ends_with("_total")) << family.name;
    else EXPECT_FALSE(family.name.ends_with("_total")) << family.name;
    if (family.type == MetricType::Histogram) EXPECT_TRUE(family.name.ends_with("_seconds")) << family.name;
  }
}

}  // namespace
}  // namespace netboot::status
