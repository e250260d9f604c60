#pragma once
// A WRQ upload into the local root: written with pwrite under a temporary name beneath it,
// synced and renamed into place when complete (never over an existing file), removed when not.
#include <memory>
#include <string_view>

#include "tftp/file_names.hpp"
#include "tftp/write_transfer.hpp"

namespace netboot::tftp {

class LocalFileSink final : public ByteSink {
 public:
  explicit LocalFileSink(CreatedFile file) : file_(std::move(file)) {}
  Result<void> write_at(std::uint64_t offset, ByteView data) override;
  Result<void> commit() override;
  void abort() override;

 private:
  CreatedFile file_;
  bool removed_ = false;
  bool placed_ = false;  // renamed into place: abort() must not remove it
};

}  // namespace netboot::tftp
