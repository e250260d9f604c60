#include "dhcp/pipeline/record_proxy_boot.hpp"

#include <algorithm>

namespace netboot::dhcp {

bool RecordProxyBoot::first_time(const MacAddress& mac, std::uint32_t xid) {
  const std::pair<MacAddress, std::uint32_t> key{mac, xid};
  if (std::find(seen_.begin(), seen_.end(), key) != seen_.end()) return false;
  if (seen_.size() < capacity_) {
    seen_.push_back(key);
  } else {
    seen_[next_] = key;
    next_ = (next_ + 1) % capacity_;
  }
  return true;
}

Verdict RecordProxyBoot::apply(Exchange& ex) {
  if (!ex.builds_reply() || !ex.client.mac || ex.reply.file.empty()) return Verdict::Continue;
  const bool hands_over = ex.kind == RequestKind::ProxyDiscover ? !redirects_to_boot_server(ex.client)
                                                                : ex.kind == RequestKind::ProxyRequest ||
                                                                      ex.kind == RequestKind::BootServerRequest;
  if (!hands_over || !first_time(*ex.client.mac, ex.request.xid)) return Verdict::Continue;
  BootEvent event;
  event.kind = BootEvent::Kind::Boot;
  event.mac = *ex.client.mac;
  event.address = ex.request.ciaddr;
  event.uuid = ex.client.uuid;
  event.arch = ex.client.arch;
  event.phase = lease::BootPhase::Pxe;
  event.boot_file = ex.reply.file;
  ex.events.push_back(std::move(event));
  return Verdict::Continue;
}

}  // namespace netboot::dhcp
