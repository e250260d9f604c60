#pragma once
#include "config/config.hpp"
#include "dhcp/pipeline/step.hpp"

namespace netboot::dhcp {

/// The boot file: the one the remote access check assigned, else the [bootfile] entry for
/// the client's architecture (iPXE clients from their own table). A PXE client with no file
/// for its architecture is dropped (pybootd ignores unknown architectures); a plain DHCP
/// client simply gets none.
class SelectBootFile final : public Step {
 public:
  explicit SelectBootFile(config::BootFileTable table) : table_(std::move(table)) {}
  [[nodiscard]] std::string_view name() const override { return "select-boot-file"; }
  Verdict apply(Exchange& ex) override;

 private:
  config::BootFileTable table_;
};

}  // namespace netboot::dhcp
