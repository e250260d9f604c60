#pragma once
#include <cstdint>
#include <functional>
#include <string_view>

#include "core/mac_address.hpp"
#include "dhcp/pipeline/step.hpp"

namespace netboot::dhcp {

/// The size of a boot file that takes a network round trip to learn (a HEAD request to a
/// remote [tftp] root). `lookup` answers from what is known now. When nothing is known and
/// `ready` is given, it starts finding out, answers Pending and calls `ready` exactly once on
/// the event loop (never from inside lookup) when the answer is in, or when waiting longer
/// would make the reply late.
class RemoteFileSize {
 public:
  enum class State : std::uint8_t { Known, Unknown, Pending };
  struct Answer {
    State state = State::Unknown;
    std::uint64_t bytes = 0;  // Known only
  };
  RemoteFileSize() = default;
  RemoteFileSize(const RemoteFileSize&) = delete;
  RemoteFileSize& operator=(const RemoteFileSize&) = delete;
  virtual ~RemoteFileSize() = default;
  virtual Answer lookup(std::string_view file, std::function<void()> ready) = 0;
};

/// Option 13 for a remote TFTP root: parks a PXE client's exchange once, before an address is
/// chosen (two parked clients must not both take the first free address), until the boot
/// file's size is known or RemoteFileSize gives up waiting; add-pxe-options then sends option
/// 13 if the size came in time and goes without it otherwise (pybootd fetched the size with a
/// blocking urlopen before every reply).
class AwaitBootFileSize final : public Step {
 public:
  using Resume = std::function<void(const MacAddress& mac, std::uint32_t xid)>;
  AwaitBootFileSize(RemoteFileSize& sizes, Resume resume) : sizes_(sizes), resume_(std::move(resume)) {}
  [[nodiscard]] std::string_view name() const override { return "await-boot-file-size"; }
  Verdict apply(Exchange& ex) override;

 private:
  RemoteFileSize& sizes_;
  Resume resume_;
};

}  // namespace netboot::dhcp
