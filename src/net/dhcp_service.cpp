#include "net/dhcp_service.hpp"

#include <net/if.h>

#include <fmt/format.h>

#include "core/database_uri.hpp"
#include "core/text.hpp"
#include "dhcp/dhcp_packet.hpp"
#include "dhcp/link_selection.hpp"
#include "dhcp/reply_destination.hpp"
#include "net/limited_log.hpp"

namespace netboot::net {
namespace {

std::string client_label(const dhcp::Exchange& ex) {
  const auto mac = ex.request.chaddr.mac();
  std::string label = mac ? mac->to_string() : std::string("(no MAC)");
  if (ex.client.uuid) label += " uuid " + ex.client.uuid->to_string();
  if (ex.client.arch) label += fmt::format(" arch {}", *ex.client.arch);
  if (ex.client.is_ipxe) label += " iPXE";
  else if (ex.client.is_pxe) label += " PXE";
  else if (ex.client.is_http_client) label += " HTTPClient";
  if (ex.kind != dhcp::RequestKind::Unclassified) label += fmt::format(" phase {}", lease::to_string(ex.phase));
  return label;
}

std::string_view type_name(const dhcp::DhcpPacket& packet) {
  return packet.message_type ? dhcp::to_string(*packet.message_type) : std::string_view("BOOTP");
}

// Where a relayed lease came from, for its lines: the subnet, and option 82's circuit-id and
// remote-id as a believed relay wrote them (printable text or hex, capped: a forger chooses
// them). With a lease, its own ids: a renewal unicast straight to us keeps those it was made with.
std::string relay_label(const dhcp::Exchange& ex) {
  std::string out;
  if (ex.subnet != nullptr && !ex.subnet->primary()) out += fmt::format(" subnet {}", ex.subnet->name);
  if (!ex.request.giaddr.is_unspecified()) out += fmt::format(" via relay {}", ex.request.giaddr.to_string());
  const auto id_text = [](const auto& id) {
    return dhcp::agent_id_text(std::string_view(reinterpret_cast<const char*>(id.data()), id.size()));
  };
  if (ex.lease) {
    if (!ex.lease->circuit_id.empty()) out += " circuit-id " + id_text(ex.lease->circuit_id);
    if (!ex.lease->remote_id.empty()) out += " remote-id " + id_text(ex.lease->remote_id);
  } else if (ex.relay_agent) {
    if (ex.relay_agent->circuit_id) out += " circuit-id " + id_text(*ex.relay_agent->circuit_id);
    if (ex.relay_agent->remote_id) out += " remote-id " + id_text(*ex.relay_agent->remote_id);
  }
  // giaddr 0: a snooping switch's or the client's own option 82, echoed but vouched for by no
  // relay, so its ids are neither kept nor shown as the lease's circuit.
  if (ex.unrelayed_agent_info) out += " option 82 not from a relay (echoed only)";
  return out;
}

bool is_access_step(std::string_view step) { return step == "check-local-access" || step == "check-remote-access"; }

status::ClientType client_type(const dhcp::ClientIdentity& client) {
  if (client.is_ipxe) return status::ClientType::Ipxe;
  return client.is_boot_firmware() ? status::ClientType::FirmwarePxe : status::ClientType::Os;
}

}  // namespace

DhcpService::DhcpService(asio::io_context& io, const config::DhcpConfig& config, DhcpServiceDependencies deps,
                         std::shared_ptr<spdlog::logger> log)
    : io_(io),
      config_(config),
      deps_(std::move(deps)),
      log_(std::move(log)),
      pipeline_(std::make_shared<dhcp::Pipeline>(std::move(deps_.pipeline))),
      listener_(*deps_.listener),
      park_timer_(io) {
  pipeline_->on_resume([this](const MacAddress& mac, std::uint32_t xid) { resume(mac, xid); });
}

void DhcpService::replace_pipeline(dhcp::Pipeline next) {
  auto pipeline = std::make_shared<dhcp::Pipeline>(std::move(next));
  pipeline->on_resume([this](const MacAddress& mac, std::uint32_t xid) { resume(mac, xid); });
  pipeline_ = std::move(pipeline);
}

DhcpService::~DhcpService() = default;

Result<void> DhcpService::start() {
  const bool boot_server = deps_.role == DhcpRole::BootServer;
  UdpListenerOptions options;
  options.address = config_.listen_address;
  options.port = boot_server ? config_.pxe_port : config_.port;
  options.interface = config_.interface;
  options.broadcast = true;
  options.receive_buffer = boot_server ? 1 << 20 : 4 << 20;  // a boot storm arrives at once
  if (auto opened = listener_.open(options); !opened) {
    // Port 4011 was not asked for in the file: another PXE server on this host may hold it.
    if (!boot_server || config_.pxe_port_given) return opened;
    log_->warn("PXE boot server port not served ({}); set [bootp] pxe_port = 0 to say so, or free the port",
               opened.error().detail);
    return {};
  }
  serving_ = true;
  const auto on_datagram = [this](ByteView datagram, const PacketInfo& info) { this->on_datagram(datagram, info); };
  switch (deps_.role) {
    case DhcpRole::AddressServer:
      listener_.start(on_datagram);
      log_->info("serving {} .. {} ({} addresses, {} reserved) on {} as {}, lease file {}",
                 config_.pool_start.to_string(),
                 config_.pool_start.plus(config_.pool_count == 0 ? 0 : config_.pool_count - 1).to_string(),
                 config_.pool_count, config_.static_leases.size(), config_.detected_interface,
                 config_.server_address.to_string(), redact_database_uri(config_.lease_file.string()));
      for (const auto& subnet : config_.subnets) {
        std::uint64_t addresses = 0;
        for (const auto& range : subnet.pools) addresses += range.size();
        log_->info("serving [subnet {}] {}/{}: {} pool addresses in {} range{}, {} reserved, {}", subnet.name,
                   subnet.network.address.to_string(), subnet.network.netmask.prefix_length().value_or(0), addresses,
                   subnet.pools.size(), subnet.pools.size() == 1 ? "" : "s", subnet.reservations.size(),
                   !subnet.local_addresses.empty() ? "on-link as " + subnet.local_addresses.front().to_string()
                   : !subnet.interface.empty()     ? "on-link on " + subnet.interface
                                                   : std::string("through relays"));
      }
      return {};
    case DhcpRole::Proxy:
      listener_.start(on_datagram);
      log_->info("proxyDHCP: boot information to PXE and HTTP boot clients on {}, no addresses given (another "
                 "server gives them)",
                 !config_.interface.empty() ? "interface " + config_.interface
                 : !config_.listen_address.is_unspecified() ? "address " + config_.listen_address.to_string()
                                                              : std::string("every interface"));
      return {};
    case DhcpRole::BootServer:
      listener_.start(on_datagram);
      log_->info("PXE boot server on port {}", listener_.local_port());
      return {};
  }
  return {};
}

void DhcpService::abandon() {
  report_on_stop_ = false;
  stop();
}

void DhcpService::stop() {
  if (stopped_) return;
  stopped_ = true;
  listener_.close();
  park_timer_.cancel();
  parked_.clear();
  if (!report_on_stop_ || !serving_) return;
  const std::string unreported =
      log_limiter_.unreported() > 0
          ? fmt::format(" ({} lines about dropped or answered requests not logged since the last one)", log_limiter_.unreported())
          : std::string{};
  if (deps_.role == DhcpRole::AddressServer) {
    log_->info("stopped: {} received, {} malformed, {} not for us, {} dropped, {} offers, {} acks, {} naks{}",
               counters_.received, counters_.parse_failed, counters_.not_for_us, counters_.dropped, counters_.offers,
               counters_.acks, counters_.naks, unreported);
    return;
  }
  log_->info("{} stopped: {} received, {} malformed, {} dropped, {} proxy offers, {} acks without address, {} "
             "addresses given{}",
             deps_.role == DhcpRole::Proxy ? "proxyDHCP" : "PXE boot server", counters_.received,
             counters_.parse_failed, counters_.dropped, counters_.proxy_offers, counters_.proxy_acks,
             counters_.offers + counters_.acks, unreported);
}

std::string DhcpService::describe() const {
  switch (deps_.role) {
    case DhcpRole::AddressServer:
      return fmt::format("dhcp {}:{}", config_.listen_address.to_string(), listener_.local_port());
    case DhcpRole::Proxy:
      return fmt::format("proxydhcp {}:{}", config_.listen_address.to_string(), listener_.local_port());
    case DhcpRole::BootServer:
      if (!serving_) return fmt::format("pxe {}:{} (not served)", config_.listen_address.to_string(), config_.pxe_port);
      return fmt::format("pxe {}:{}", config_.listen_address.to_string(), listener_.local_port());
  }
  return "dhcp";
}

void DhcpService::on_datagram(ByteView datagram, const PacketInfo& info) {
  ++counters_.received;
  auto packet = dhcp::parse_dhcp_packet(datagram);
  if (!packet) {
    // Malformed input is dropped and counted; the next client is served at once.
    ++counters_.parse_failed;
    if (telemetry_) ++telemetry_->dhcp.verdicts[status::kDhcpTypeSlots - 1][static_cast<std::size_t>(status::DhcpVerdict::Malformed)];
    log_->debug("dropped a malformed datagram from {} ({} bytes): {}", info.peer.to_string(), datagram.size(),
                packet.error().detail);
    return;
  }
  if (telemetry_) ++telemetry_->dhcp.received[status::dhcp_type_slot(packet->message_type)];
  if (packet->op != dhcp::BootpOp::Request) {
    ++counters_.not_for_us;
    if (telemetry_) telemetry_->dhcp.count(packet->message_type, status::DhcpVerdict::NotForUs);
    return;
  }
  // The address server's pipeline selects the subnet itself (select-subnet). proxyDHCP and
  // the boot server have no pool: their listener is bound to `interface`, or serves every
  // interface, and proxyDHCP answers only senders on its own links.
  const auto subnet = deps_.role == DhcpRole::Proxy ? dhcp::select_proxy_link(*packet, info.peer.address)
                                                    : dhcp::SubnetChoice{.index = 0, .selector = std::nullopt, .refusal = {}};
  if (!subnet.index) {
    ++counters_.not_for_us;
    if (telemetry_) telemetry_->dhcp.count(packet->message_type, status::DhcpVerdict::NotForUs);
    if (log_->should_log(spdlog::level::debug))
      log_->debug("ignored {} from {} on interface {}: {}", type_name(*packet),
                  packet->chaddr.mac() ? packet->chaddr.mac()->to_string() : std::string("?"), info.ifindex,
                  subnet.refusal);
    return;
  }
  const dhcp::PacketInfo received{info.peer, info.local_address, info.ifindex, std::chrono::system_clock::now(),
                                  listener_.local_port(), info.destination};
  process(std::make_shared<dhcp::Exchange>(std::move(*packet), received), pipeline_);
}

void DhcpService::process(std::shared_ptr<dhcp::Exchange> ex, const std::shared_ptr<dhcp::Pipeline>& pipeline) {
  const auto verdict = pipeline->run(*ex);
  const auto mac = ex->request.chaddr.mac();
  // The info lines build their arguments (client_label, to_string) before spdlog looks at the
  // level: check it first, or every request pays for lines nobody reads (level = warning).
  const bool log_info = log_->should_log(spdlog::level::info);
  if (log_info) {
    for (const auto& note : ex->notes) log_->info("{}: {}", client_label(*ex), note);
  }
  ex->notes.clear();
  switch (verdict) {
    case dhcp::Verdict::Drop: {
      if (ex->dropped_by == "select-subnet") {
        // Not ours to answer (another link, a relay we do not serve): one debug line.
        ++counters_.not_for_us;
        if (telemetry_) telemetry_->dhcp.count(ex->request.message_type, status::DhcpVerdict::NotForUs);
        if (ex->drop_is_warning) {
          // A relay [bootp] trusted_relays does not list: forgotten, or forged. A forger's flood
          // costs it nothing, so these lines have a budget of their own (not the pool's warnings').
          if (const auto end = admit_line(*log_, log_limiter_, spdlog::level::warn, "untrusted-relay"))
            log_->warn("{} from {} via relay {}: ignored ({}){}", type_name(ex->request),
                       mac ? mac->to_string() : std::string("?"), ex->request.giaddr.to_string(), ex->drop_reason,
                       *end);
          return;
        }
        if (log_->should_log(spdlog::level::debug))
          log_->debug("ignored {} from {} on interface {}: {}", type_name(ex->request),
                      mac ? mac->to_string() : std::string("?"), ex->received.ifindex, ex->drop_reason);
        return;
      }
      ++counters_.dropped;
      if (telemetry_)
        count_outcome(*ex, is_access_step(ex->dropped_by) ? status::DhcpVerdict::RefusedAcl : status::DhcpVerdict::Dropped);
      if (ex->drop_is_debug) {
        // Every non-PXE machine of a proxied LAN: routine, and as frequent as DHCP itself.
        if (log_->should_log(spdlog::level::debug))
          log_->debug("{} from {}: ignored ({}: {})", type_name(ex->request), client_label(*ex), ex->dropped_by,
                      ex->drop_reason);
        return;
      }
      // Warnings (pool exhausted) keep a budget of their own.
      const auto level = ex->drop_is_warning ? spdlog::level::warn : spdlog::level::info;
      if (const auto end = admit_line(*log_, log_limiter_, level, ex->drop_is_warning ? "ignored-warn" : "ignored"))
        log_->log(level, "{} from {}: ignored ({}: {}){}", type_name(ex->request), client_label(*ex), ex->dropped_by,
                  ex->drop_reason, *end);
      return;
    }
    case dhcp::Verdict::Park:
      if (mac) {
        ++counters_.parked;
        if (telemetry_) telemetry_->dhcp.count(ex->request.message_type, status::DhcpVerdict::Parked);
        parked_[*mac] = Parked{ex, pipeline, std::chrono::steady_clock::now() + deps_.park_timeout};
        expire_parked();
      }
      return;
    case dhcp::Verdict::Continue:
      finish(ex);
      return;
  }
}

void DhcpService::resume(const MacAddress& mac, std::uint32_t xid) {
  // Always asynchronous: a step may call this from inside its own apply().
  asio::post(io_, [this, mac, xid] {
    const auto it = parked_.find(mac);
    if (stopped_ || it == parked_.end() || it->second.exchange->request.xid != xid) return;  // superseded or expired
    auto ex = std::move(it->second.exchange);
    const auto pipeline = std::move(it->second.pipeline);
    parked_.erase(it);
    process(std::move(ex), pipeline);
  });
}

void DhcpService::expire_parked() {
  const auto now = std::chrono::steady_clock::now();
  SteadyTime next = SteadyTime::max();
  for (auto it = parked_.begin(); it != parked_.end();) {
    if (it->second.deadline <= now) {
      if (const auto end = admit_line(*log_, log_limiter_, spdlog::level::info, "ignored"))
        log_->info("{} from {}: ignored (no access decision in time){}", type_name(it->second.exchange->request),
                   client_label(*it->second.exchange), *end);
      ++counters_.dropped;
      if (telemetry_) {
        it->second.exchange->dropped_by = "no access decision in time";
        count_outcome(*it->second.exchange, status::DhcpVerdict::Dropped);
      }
      it = parked_.erase(it);
    } else {
      next = std::min(next, it->second.deadline);
      ++it;
    }
  }
  if (next == SteadyTime::max()) return;
  park_timer_.expires_at(next);
  park_timer_.async_wait([this](const std::error_code& ec) {
    if (!ec) expire_parked();
  });
}

void DhcpService::finish(const std::shared_ptr<dhcp::Exchange>& ex) {
  if (ex->lease_write == dhcp::LeaseWrite::None || !ex->lease) {
    send_reply(*ex);
    return;
  }
  if (ex->lease_write == dhcp::LeaseWrite::Hold) {
    // An OFFER: nothing to wait for (RFC 2131 §4.3.1 needs no durable record of it).
    deps_.leases.hold(*ex->lease);
    send_reply(*ex);
    return;
  }
  const bool reply_after_commit = ex->lease_write == dhcp::LeaseWrite::CommitBeforeReply;
  const auto commit_started = std::chrono::steady_clock::now();
  // The lease is durable before its ACK leaves (group commit: one fsync for many clients).
  deps_.leases.commit(*ex->lease, [this, ex, reply_after_commit, commit_started](Result<void> durable) {
    if (telemetry_)
      telemetry_->dhcp.commit_seconds.observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - commit_started).count());
    if (!durable) {
      ++counters_.commit_failed;
      if (telemetry_) ++telemetry_->dhcp.commit_failures;
      log_->error("lease {} for {} not saved: {}{}", ex->lease->address.to_string(), ex->lease->mac.to_string(),
                  durable.error().detail, reply_after_commit ? "; reply withheld" : "");
      if (reply_after_commit) return;
    }
    if (reply_after_commit && !stopped_) send_reply(*ex);
  });
  if (!reply_after_commit) send_reply(*ex);
}

void DhcpService::count_outcome(const dhcp::Exchange& ex, status::DhcpVerdict verdict) {
  telemetry_->dhcp.count(ex.request.message_type, verdict);
  if (verdict == status::DhcpVerdict::RefusedAcl || verdict == status::DhcpVerdict::Dropped) {
    const std::string_view reason = ex.dropped_by.empty() ? std::string_view("dropped") : ex.dropped_by;
    telemetry_->refusals.add("dhcp", reason);
    const auto mac = ex.request.chaddr.mac();
    telemetry_->activity.on_refusal("dhcp", mac ? mac->to_string() : std::string("?"),
                                    ex.drop_reason.empty() ? reason : std::string_view(ex.drop_reason),
                                    std::chrono::system_clock::now());
  }
}

void DhcpService::send_reply(const dhcp::Exchange& ex) {
  const bool log_info = log_->should_log(spdlog::level::info);
  if (telemetry_) {
    count_outcome(ex, ex.send_reply && ex.is_nak() ? status::DhcpVerdict::Nak : status::DhcpVerdict::Served);
    if (ex.send_reply) ++telemetry_->dhcp.replies[status::dhcp_type_slot(ex.reply.message_type)];
    const auto mac = ex.request.chaddr.mac();
    if (mac && !(ex.send_reply && ex.is_nak())) {
      status::DhcpSighting seen{.mac = *mac,
                                .uuid = ex.client.uuid,
                                .arch = ex.client.arch,
                                .client_type = client_type(ex.client),
                                .phase = ex.phase,
                                .address = ex.lease ? std::optional(ex.lease->address) : std::nullopt,
                                .boot_file = ex.reply.file};
      telemetry_->activity.on_dhcp(seen, ex.received.now);
    }
  }
  if (!ex.send_reply) {
    if (log_info)
      log_->info("{} from {}: {}", type_name(ex.request), client_label(ex),
                 ex.lease ? fmt::format("{} {}{}", ex.lease->address.to_string(), lease::to_string(ex.lease->state),
                                        relay_label(ex))
                          : std::string("done"));
  } else {
    dhcp::DestinationPolicy policy;
    policy.force_broadcast = ex.force_broadcast;
    policy.client_port = config_.client_port;
    if (deps_.role == DhcpRole::BootServer) policy.boot_server_peer = ex.received.peer;
    if (ex.subnet != nullptr) policy.client_network = ex.subnet->network;
    const auto destination = dhcp::choose_reply_destination(ex.request, ex.reply, policy);
    dhcp::serialize_dhcp_packet(ex.reply, dhcp::reply_size_limit(ex.request, ex.reply), reply_wire_);
    const auto& bytes = reply_wire_;
    // Replies leave by the arrival interface, from our address on it, source port 67.
    const Ipv4Address source = ex.received.local_address.is_unspecified() ? config_.server_address
                                                                           : ex.received.local_address;
    UdpEndpoint to{destination.address, destination.port};
    unsigned ifindex = ex.received.ifindex;
    using Kind = dhcp::ReplyDestination::Kind;
    if (destination.kind == Kind::HardwareUnicast) {
      // The client has no address yet: teach the kernel its MAC, else fall back to broadcast.
      if (!destination.mac || !listener_.add_arp_entry(destination.address, *destination.mac, ifindex))
        to.address = Ipv4Address::broadcast();
    } else if (destination.kind == Kind::Relay || destination.kind == Kind::ClientAddress ||
               destination.kind == Kind::BootServerPeer) {
      ifindex = 0;  // routed
    }
    const bool sent = listener_.send(bytes, to, ifindex, source);
    const auto type = ex.reply.message_type;
    const bool addressless = ex.pxe_reply != dhcp::PxeReply::Lease;
    if (addressless && type == dhcp::MessageType::Offer) ++counters_.proxy_offers;
    else if (addressless && type == dhcp::MessageType::Ack) ++counters_.proxy_acks;
    else if (type == dhcp::MessageType::Offer) ++counters_.offers;
    else if (type == dhcp::MessageType::Ack) ++counters_.acks;
    else if (type == dhcp::MessageType::Nak) ++counters_.naks;
    if (ex.is_nak()) {
      // A NAK costs a forger nothing (no lease, no handshake): its lines keep a budget.
      if (const auto end = admit_line(*log_, log_limiter_, spdlog::level::info, "nak")) {
        const auto reason = ex.reply.options.get_string(dhcp::OptionCode::Message);
        log_->info("{} from {}: {} to {}{}: {}{}", type_name(ex.request), client_label(ex), type_name(ex.reply),
                   to.to_string(), sent ? "" : " (send failed)", reason ? printable(*reason) : "no reason given",
                   *end);
      }
    } else if (addressless) {
      // Costs the sender nothing (no address, no lease): a flood of DISCOVERs from made-up
      // MACs must not become a flood of lines, so these keep a budget like the refusals.
      if (const auto end = admit_line(*log_, log_limiter_, spdlog::level::info, "boot-info"))
        log_->info("{} from {}: {} (no address){} to {}{}{}", type_name(ex.request), client_label(ex),
                   ex.kind == dhcp::RequestKind::ProxyDiscover ? "proxy OFFER"
                   : ex.kind == dhcp::RequestKind::ProxyRequest ? "proxy ACK"
                                                                : "boot-server ACK",
                   ex.reply.file.empty() ? std::string() : fmt::format(" file {}", ex.reply.file), to.to_string(),
                   sent ? "" : " (send failed)", *end);
    } else if (log_info) {
      log_->info("{} from {}: {} {}{} to {}{}{}", type_name(ex.request), client_label(ex), type_name(ex.reply),
                 ex.reply.yiaddr.is_unspecified() ? std::string() : ex.reply.yiaddr.to_string(),
                 ex.reply.file.empty() ? std::string() : fmt::format(" file {}", ex.reply.file), to.to_string(),
                 sent ? "" : " (send failed)", relay_label(ex));
    }
  }
  if (!ex.events.empty() && deps_.events) deps_.events(ex.events);
}

}  // namespace netboot::net
