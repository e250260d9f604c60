#include "status/telemetry.hpp"

#include <fmt/format.h>

namespace netboot::status {

std::string_view to_string(DhcpVerdict verdict) noexcept {
  switch (verdict) {
    case DhcpVerdict::Served: return "served";
    case DhcpVerdict::RefusedAcl: return "refused_acl";
    case DhcpVerdict::Dropped: return "dropped";
    case DhcpVerdict::Nak: return "nak";
    case DhcpVerdict::Parked: return "parked";
    case DhcpVerdict::NotForUs: return "not_for_us";
    case DhcpVerdict::Malformed: return "malformed";
  }
  return "dropped";
}

std::size_t dhcp_type_slot(std::optional<dhcp::MessageType> type) noexcept {
  if (!type) return 0;
  const auto value = static_cast<std::size_t>(*type);
  return value >= 1 && value <= 8 ? value : 9;
}

std::string_view dhcp_type_label(std::size_t slot) noexcept {
  static constexpr std::string_view kLabels[kDhcpTypeSlots] = {"BOOTP", "DISCOVER", "OFFER",   "REQUEST", "DECLINE",
                                                               "ACK",   "NAK",      "RELEASE", "INFORM",  "OTHER"};
  return slot < kDhcpTypeSlots ? kLabels[slot] : "OTHER";
}

void RefusalCounts::add(std::string_view service, std::string_view reason) {
  for (auto& entry : entries_) {
    if (entry.service == service && entry.reason == reason) {
      ++entry.count;
      return;
    }
  }
  entries_.push_back(Entry{std::string(service), std::string(reason), 1});
}

PoolUsage count_pool(std::string subnet, Ipv4Address first, std::uint32_t size, std::uint64_t reserved,
                     const std::vector<lease::Lease>& leases, WallTime now) {
  PoolUsage usage;
  usage.subnet = std::move(subnet);
  usage.first = first;
  usage.size = size;
  usage.reserved = reserved;
  const std::uint32_t start = first.to_host_order();
  for (const auto& lease : leases) {
    const std::uint32_t at = lease.address.to_host_order();
    if (at < start || at - start >= size) continue;
    switch (lease.state) {
      case lease::LeaseState::Offered: ++usage.offered; break;
      case lease::LeaseState::Bound: (lease.expires > now ? usage.bound : usage.expired) += 1; break;
      case lease::LeaseState::Released: ++usage.released; break;
      case lease::LeaseState::Declined: ++usage.declined; break;
    }
  }
  return usage;
}

namespace {

MetricFamily family(std::string name, std::string help, MetricType type) {
  MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  return f;
}

double as_value(std::uint64_t n) { return static_cast<double>(n); }

}  // namespace

std::vector<MetricFamily> metric_families(const Telemetry& t, const ScrapeReadings& readings) {
  std::vector<MetricFamily> out;

  auto received = family("netbootd_dhcp_received_total", "DHCP/BOOTP requests received, by message type",
                         MetricType::Counter);
  auto verdicts = family("netbootd_dhcp_requests_total",
                         "DHCP requests by message type and verdict (a parked request counts again when it resumes)",
                         MetricType::Counter);
  auto replies = family("netbootd_dhcp_replies_sent_total", "DHCP replies sent, by message type", MetricType::Counter);
  for (std::size_t slot = 0; slot < kDhcpTypeSlots; ++slot) {
    const std::string type(dhcp_type_label(slot));
    if (t.dhcp.received[slot] > 0 || slot == 1 || slot == 3) received.samples.push_back({{{"type", type}}, as_value(t.dhcp.received[slot])});
    for (std::size_t v = 0; v < kDhcpVerdicts; ++v) {
      const auto n = t.dhcp.verdicts[slot][v];
      if (n > 0)
        verdicts.samples.push_back(
            {{{"type", type}, {"verdict", std::string(to_string(static_cast<DhcpVerdict>(v)))}}, as_value(n)});
    }
    if (t.dhcp.replies[slot] > 0 || slot == 2 || slot == 5 || slot == 6)
      replies.samples.push_back({{{"type", type}}, as_value(t.dhcp.replies[slot])});
  }
  out.push_back(std::move(received));
  out.push_back(std::move(verdicts));
  out.push_back(std::move(replies));

  auto commit = family("netbootd_lease_commit_duration_seconds",
                       "Time from a lease commit to its durable completion (group commit, fsync included)",
                       MetricType::Histogram);
  commit.histograms.push_back({{}, &t.dhcp.commit_seconds});
  out.push_back(std::move(commit));
  auto commit_failed = family("netbootd_lease_commit_failures_total", "Lease commits that could not be saved",
                              MetricType::Counter);
  commit_failed.samples.push_back({{}, as_value(t.dhcp.commit_failures)});
  out.push_back(std::move(commit_failed));

  if (readings.pool) {
    const auto& p = *readings.pool;
    auto size = family("netbootd_pool_addresses", "Addresses in the DHCP pool", MetricType::Gauge);
    size.samples.push_back({{{"subnet", p.subnet}}, as_value(p.size)});
    out.push_back(std::move(size));
    auto leases = family("netbootd_leases", "Leases in the pool by state", MetricType::Gauge);
    const std::pair<std::string_view, std::uint64_t> states[] = {{"offered", p.offered},   {"bound", p.bound},
                                                                 {"expired", p.expired},   {"released", p.released},
                                                                 {"declined", p.declined}};
    for (const auto& [state, n] : states)
      leases.samples.push_back({{{"subnet", p.subnet}, {"state", std::string(state)}}, as_value(n)});
    out.push_back(std::move(leases));
    auto reserved = family("netbootd_reservations", "[static_dhcp] reservations", MetricType::Gauge);
    reserved.samples.push_back({{{"subnet", p.subnet}}, as_value(p.reserved)});
    out.push_back(std::move(reserved));
  }

  auto access = family("netbootd_access_checks_total", "[http] authorization queries by outcome", MetricType::Counter);
  const std::string_view access_labels[kAccessOutcomes] = {"allowed", "denied", "failed"};
  for (std::size_t i = 0; i < kAccessOutcomes; ++i)
    access.samples.push_back({{{"outcome", std::string(access_labels[i])}}, as_value(t.access.outcomes[i])});
  out.push_back(std::move(access));
  auto access_time = family("netbootd_access_check_duration_seconds", "[http] authorization query latency",
                            MetricType::Histogram);
  access_time.histograms.push_back({{}, &t.access.seconds});
  out.push_back(std::move(access_time));

  auto started = family("netbootd_tftp_transfers_started_total", "TFTP transfers started (file open, first packet sent)",
                        MetricType::Counter);
  started.samples.push_back({{}, as_value(t.tftp.started)});
  out.push_back(std::move(started));
  auto completed = family("netbootd_tftp_transfers_completed_total", "TFTP transfers whose last block was acknowledged",
                          MetricType::Counter);
  completed.samples.push_back({{}, as_value(t.tftp.ended[0])});
  out.push_back(std::move(completed));
  auto failed = family("netbootd_tftp_transfers_failed_total", "TFTP transfers that ended otherwise, by reason",
                       MetricType::Counter);
  for (std::size_t i = 1; i < kTransferEnds; ++i)
    failed.samples.push_back({{{"reason", std::string(kTransferEndLabels[i])}}, as_value(t.tftp.ended[i])});
  out.push_back(std::move(failed));
  auto active = family("netbootd_tftp_transfers_active", "TFTP transfers in progress", MetricType::Gauge);
  active.samples.push_back({{}, as_value(readings.tftp_active)});
  out.push_back(std::move(active));
  auto tftp_bytes = family("netbootd_tftp_sent_bytes_total", "TFTP payload bytes acknowledged by clients (ended transfers)",
                           MetricType::Counter);
  tftp_bytes.samples.push_back({{}, as_value(t.tftp.sent_bytes)});
  out.push_back(std::move(tftp_bytes));
  auto retransmissions = family("netbootd_tftp_retransmissions_total", "TFTP DATA/OACK packets sent again",
                                MetricType::Counter);
  retransmissions.samples.push_back({{}, as_value(t.tftp.retransmissions)});
  out.push_back(std::move(retransmissions));
  auto duration = family("netbootd_tftp_transfer_duration_seconds", "Duration of ended TFTP transfers",
                         MetricType::Histogram);
  duration.histograms.push_back({{}, &t.tftp.duration_seconds});
  out.push_back(std::move(duration));

  auto downloads = family("netbootd_http_downloads_total", "HTTP answers 2xx carrying a body", MetricType::Counter);
  downloads.samples.push_back({{}, as_value(t.http.downloads)});
  out.push_back(std::move(downloads));
  auto http_bytes = family("netbootd_http_sent_bytes_total", "HTTP body bytes sent", MetricType::Counter);
  http_bytes.samples.push_back({{}, as_value(t.http.sent_bytes)});
  out.push_back(std::move(http_bytes));
  auto responses = family("netbootd_http_responses_total", "HTTP answers by status class", MetricType::Counter);
  for (std::size_t c = 1; c <= 5; ++c)
    responses.samples.push_back({{{"code", fmt::format("{}xx", c)}}, as_value(t.http.responses_by_class[c])});
  out.push_back(std::move(responses));
  auto connections = family("netbootd_http_connections", "Open HTTP file service connections", MetricType::Gauge);
  connections.samples.push_back({{}, as_value(readings.http_connections)});
  out.push_back(std::move(connections));

  auto refused = family("netbootd_requests_refused_total", "Requests refused, by service and reason",
                        MetricType::Counter);
  for (const auto& entry : t.refusals.entries())
    refused.samples.push_back({{{"service", entry.service}, {"reason", entry.reason}}, as_value(entry.count)});
  out.push_back(std::move(refused));

  auto suppressed = family("netbootd_log_lines_suppressed_total",
                           "Log lines about refused requests held back by the flood limiter", MetricType::Counter);
  for (const auto& s : readings.log_lines_suppressed)
    suppressed.samples.push_back({{{"service", s.service}}, as_value(s.lines)});
  out.push_back(std::move(suppressed));

  auto machines = family("netbootd_machines_tracked", "Machines the status page keeps (bounded)", MetricType::Gauge);
  machines.samples.push_back({{}, as_value(t.activity.machine_count())});
  out.push_back(std::move(machines));
  auto evicted = family("netbootd_machines_evicted_total", "Machines forgotten to keep the table bounded",
                        MetricType::Counter);
  evicted.samples.push_back({{}, as_value(t.activity.machines_evicted())});
  out.push_back(std::move(evicted));
  return out;
}

}  // namespace netboot::status
