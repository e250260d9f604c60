#include "dhcp/pipeline/select_boot_file.hpp"

#include <fmt/format.h>

namespace netboot::dhcp {

Verdict SelectBootFile::apply(Exchange& ex) {
  if (!ex.builds_reply()) return Verdict::Continue;
  if (ex.assigned_boot_file) {
    ex.reply.file = *ex.assigned_boot_file;
    return Verdict::Continue;
  }
  // A [subnet]'s table is [bootfile] with its own boot_file / bootfile.* over it.
  const config::BootFileTable& table = ex.subnet != nullptr && !ex.subnet->primary() ? ex.subnet->boot_files : table_;
  if (const auto* file = table.select(ex.client.arch, ex.client.is_ipxe)) {
    ex.reply.file = *file;
    return Verdict::Continue;
  }
  if (ex.client.is_pxe)
    return drop(ex, fmt::format("no boot file for {}{}", ex.client.arch ? arch_name(*ex.client.arch) : "unknown arch",
                                ex.client.is_ipxe ? " (iPXE)" : ""));
  return Verdict::Continue;
}

}  // namespace netboot::dhcp
