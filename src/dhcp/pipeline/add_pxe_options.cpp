#include "dhcp/pipeline/add_pxe_options.hpp"

#include <algorithm>

namespace netboot::dhcp {

Verdict AddPxeOptions::apply(Exchange& ex) {
  if (!ex.builds_reply()) return Verdict::Continue;
  if (ex.client.is_http_client) return add_http_boot_options(ex);
  if (!ex.client.is_pxe) return Verdict::Continue;
  auto& reply = ex.reply;
  auto& o = reply.options;
  const auto& request = ex.request.options;
  // PXE spec 2.1 §2.2.6: the server answers with class identifier "PXEClient", or the ROM
  // ignores the offer.
  if (!reply.is_bootp()) o.set_string(OptionCode::VendorClassIdentifier, "PXEClient");
  if (const auto* guid = request.find(OptionCode::ClientMachineIdentifier))
    o.set(OptionCode::ClientMachineIdentifier, *guid);
  if (requests_option(request, OptionCode::TftpServerName) && !reply.siaddr.is_unspecified())
    o.set_string(OptionCode::TftpServerName, reply.siaddr.to_string());
  if (requests_option(request, OptionCode::BootFileName) && !reply.file.empty())
    o.set_string(OptionCode::BootFileName, reply.file);
  if (file_size_ && !reply.file.empty()) {
    if (const auto size = file_size_(reply.file)) {
      const std::uint64_t blocks = std::min<std::uint64_t>((*size + 511) / 512, 0xFFFF);  // RFC 2132 §3.15
      o.set_u16(OptionCode::BootFileSize, static_cast<std::uint16_t>(blocks));
    }
  }
  if (const auto vendor = pxe_vendor_options_for(ex.client, ex.pxe_reply))
    o.set(OptionCode::VendorSpecific, encode_pxe_vendor_options(*vendor));
  return Verdict::Continue;
}

Verdict AddPxeOptions::add_http_boot_options(Exchange& ex) {
  // EDK2 (HttpBootDhcp4.c) takes an offer as an HTTP boot offer only with 60 "HTTPClient" and a
  // URI; without a URL (select-http-boot-url found none) the lease goes out as a plain one.
  auto& reply = ex.reply;
  if (reply.file.empty() || reply.is_bootp()) return Verdict::Continue;
  auto& o = reply.options;
  o.set_string(OptionCode::VendorClassIdentifier, "HTTPClient");
  if (const auto* guid = ex.request.options.find(OptionCode::ClientMachineIdentifier))
    o.set(OptionCode::ClientMachineIdentifier, *guid);
  if (requests_option(ex.request.options, OptionCode::BootFileName)) o.set_string(OptionCode::BootFileName, reply.file);
  return Verdict::Continue;
}

}  // namespace netboot::dhcp
