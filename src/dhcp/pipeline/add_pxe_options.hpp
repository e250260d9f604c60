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
/// and 43 (vendor options) as pxe_vendor_options_for() decides for ex.pxe_reply. An HTTP boot
/// client gets 60 "HTTPClient" in a proxy reply (no address), and nothing here when leasing.
class AddPxeOptions final : public Step {
 public:
  explicit AddPxeOptions(BootFileSizeLookup file_size = {}) : file_size_(std::move(file_size)) {}
  [[nodiscard]] std::string_view name() const override { return "add-pxe-options"; }
  Verdict apply(Exchange& ex) override;

 private:
  BootFileSizeLookup file_size_;
};

}  // namespace netboot::dhcp
