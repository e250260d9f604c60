#include "dhcp/pipeline/await_boot_file_size.hpp"

namespace netboot::dhcp {

Verdict AwaitBootFileSize::apply(Exchange& ex) {
  // Only replies that carry option 13 (add-pxe-options: PXE clients with a boot file), and
  // only once: the resumed exchange goes on with whatever is known by then.
  if (!ex.builds_reply() || !ex.client.is_pxe || ex.reply.file.empty() || ex.boot_file_size_awaited || !resume_ ||
      !ex.client.mac)
    return Verdict::Continue;
  const auto answer = sizes_.lookup(ex.reply.file, [resume = resume_, mac = *ex.client.mac, xid = ex.request.xid] {
    resume(mac, xid);
  });
  if (answer.state != RemoteFileSize::State::Pending) return Verdict::Continue;
  ex.boot_file_size_awaited = true;
  return Verdict::Park;
}

}  // namespace netboot::dhcp
