#pragma once
#include <functional>
#include <optional>
#include <string_view>

#include "dhcp/pipeline/step.hpp"

namespace netboot::dhcp {

/// Size in bytes of a boot file, when known (the TFTP root answers; tests give a table).
using BootFileSizeLookup = std::function<std::optional<std::uint64_t>(std::string_view file)>;

/// PXE options for PXE clients (PXE spec 2.1 §2.2): 60 "PXEClient", 97 echoed, 66/67 when
/// option 55 asks for them, 13 (boot file size in 512-byte blocks) when the size is known,
/// and 43 (vendor options) as pxe_vendor_options_for() decides for ex.pxe_reply. A UEFI HTTP
/// boot client with a URL in the file field (select-http-boot-url), in every mode: 60
/// "HTTPClient", 97 echoed, 67 (the URL) when asked; no 66, 13 or 43 (no TFTP involved).
class AddPxeOptions final : public Step {
 public:
  explicit AddPxeOptions(BootFileSizeLookup file_size = {}) : file_size_(std::move(file_size)) {}
  [[nodiscard]] std::string_view name() const override { return "add-pxe-options"; }
  Verdict apply(Exchange& ex) override;

 private:
  static Verdict add_http_boot_options(Exchange& ex);
  BootFileSizeLookup file_size_;
};

}  // namespace netboot::dhcp
