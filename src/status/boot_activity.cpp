#include "status/boot_activity.hpp"

#include <algorithm>

namespace netboot::status {

std::string_view to_string(ClientType type) noexcept {
  switch (type) {
    case ClientType::FirmwarePxe: return "firmware-pxe";
    case ClientType::Ipxe: return "ipxe";
    case ClientType::Os: return "os";
  }
  return "os";
}

std::string_view to_string(BootStep step) noexcept {
  switch (step) {
    case BootStep::Dhcp: return "dhcp";
    case BootStep::BootFile: return "boot-file";
    case BootStep::Kernel: return "kernel";
    case BootStep::OsLease: return "os-lease";
  }
  return "dhcp";
}

std::string BootActivity::bounded(std::string_view text) const {
  return std::string(text.substr(0, limits_.max_text));
}

void BootActivity::touch(Machine& machine) {
  if (machine.touched != 0) by_touch_.erase(machine.touched);
  machine.touched = ++next_touch_;
  by_touch_.emplace(machine.touched, machine.mac);
}

void BootActivity::evict_least_recent() {
  if (by_touch_.empty()) return;
  const auto oldest = by_touch_.begin();
  const auto it = machines_.find(oldest->second);
  if (it != machines_.end()) {
    if (it->second.address) {
      const auto held = by_address_.find(*it->second.address);
      if (held != by_address_.end() && held->second == it->second.mac) by_address_.erase(held);
    }
    machines_.erase(it);
  }
  by_touch_.erase(oldest);
  ++evicted_;
}

void BootActivity::on_dhcp(const DhcpSighting& sighting, WallTime now) {
  auto it = machines_.find(sighting.mac);
  if (it == machines_.end()) {
    if (limits_.max_machines == 0) return;
    while (machines_.size() >= limits_.max_machines) evict_least_recent();
    it = machines_.emplace(sighting.mac, Machine{}).first;
    it->second.mac = sighting.mac;
    it->second.first_seen = now;
    it->second.arrival = ++next_arrival_;
  }
  Machine& m = it->second;
  ++version_;
  if (sighting.uuid) m.uuid = sighting.uuid;
  if (sighting.arch) m.arch = sighting.arch;
  m.client_type = sighting.client_type;
  m.phase = sighting.phase;
  if (!sighting.boot_file.empty()) m.boot_file = bounded(sighting.boot_file);
  if (sighting.address && sighting.address != m.address) {
    if (m.address) {
      const auto held = by_address_.find(*m.address);
      if (held != by_address_.end() && held->second == m.mac) by_address_.erase(held);
    }
    m.address = sighting.address;
    by_address_[*sighting.address] = m.mac;  // the newest holder of an address wins
  }
  m.step = sighting.client_type == ClientType::Os ? BootStep::OsLease : BootStep::Dhcp;
  m.transferred_since_dhcp = false;
  m.last_seen = now;
  touch(m);
}

Machine* BootActivity::machine_at(Ipv4Address address) {
  const auto held = by_address_.find(address);
  if (held == by_address_.end()) return nullptr;
  const auto it = machines_.find(held->second);
  return it == machines_.end() ? nullptr : &it->second;
}

namespace {
// "pxelinux.0" and "/pxelinux.0" are the same boot file.
std::string_view without_slashes(std::string_view name) {
  while (!name.empty() && name.front() == '/') name.remove_prefix(1);
  return name;
}
}  // namespace

void BootActivity::on_transfer_started(Ipv4Address client, std::string_view file, WallTime now) {
  Machine* m = machine_at(client);
  if (m == nullptr) return;
  ++version_;
  const bool is_boot_file = !m->boot_file.empty() && without_slashes(file) == without_slashes(m->boot_file);
  // The boot file named in the reply, or the first file after a PXE DHCP exchange when the
  // reply named none; anything after it is the next stage (kernel, initrd, ...).
  if (is_boot_file || (m->step == BootStep::Dhcp && !m->transferred_since_dhcp)) m->step = BootStep::BootFile;
  else m->step = BootStep::Kernel;
  m->transferred_since_dhcp = true;
  m->last_seen = now;
  touch(*m);
}

void BootActivity::on_transfer_ended(TransferRecord record) {
  record.file = bounded(record.file);
  ++version_;
  if (Machine* m = machine_at(record.client)) {
    m->transfers.push_back(record);
    while (m->transfers.size() > limits_.transfers_per_machine) m->transfers.pop_front();
  }
  recent_.push_back(std::move(record));
  while (recent_.size() > limits_.recent_transfers) recent_.pop_front();
}

void BootActivity::on_refusal(std::string_view service, std::string_view client, std::string_view reason,
                              WallTime now) {
  if (limits_.max_refusals == 0) return;
  ++version_;
  refusals_.push_back(Refusal{now, bounded(service), bounded(client), bounded(reason)});
  while (refusals_.size() > limits_.max_refusals) refusals_.pop_front();
}

std::vector<const Machine*> BootActivity::machines_in_boot_order() const {
  std::vector<const Machine*> out;
  out.reserve(machines_.size());
  for (const auto& [mac, machine] : machines_) out.push_back(&machine);
  std::sort(out.begin(), out.end(), [](const Machine* a, const Machine* b) { return a->arrival < b->arrival; });
  return out;
}

const Machine* BootActivity::find(const MacAddress& mac) const {
  const auto it = machines_.find(mac);
  return it == machines_.end() ? nullptr : &it->second;
}

}  // namespace netboot::status
