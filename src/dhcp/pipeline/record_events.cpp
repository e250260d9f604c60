#include "dhcp/pipeline/record_events.hpp"

namespace netboot::dhcp {

Verdict RecordEvents::apply(Exchange& ex) {
  if (!ex.lease || ex.lease_write == LeaseWrite::None || ex.is_nak()) return Verdict::Continue;
  BootEvent event;
  event.mac = ex.lease->mac;
  event.address = ex.lease->address;
  event.uuid = ex.client.uuid;
  event.arch = ex.client.arch;
  event.phase = ex.phase;
  event.boot_file = ex.reply.file;
  switch (ex.kind) {
    case RequestKind::Selecting:
    case RequestKind::InitReboot:
    case RequestKind::Renewing:
    case RequestKind::Bootp:
      event.kind = BootEvent::Kind::Lease;
      ex.events.push_back(event);
      if (ex.phase == lease::BootPhase::Pxe && !ex.reply.file.empty()) {
        event.kind = BootEvent::Kind::Boot;
        ex.events.push_back(event);
      }
      break;
    case RequestKind::Release:
      event.kind = BootEvent::Kind::Release;
      event.boot_file.clear();
      ex.events.push_back(event);
      break;
    case RequestKind::Decline:
      event.kind = BootEvent::Kind::Decline;
      event.boot_file.clear();
      ex.events.push_back(event);
      break;
    default: break;
  }
  return Verdict::Continue;
}

}  // namespace netboot::dhcp
