#pragma once
// A WRQ upload into the local root: created exclusively beneath it (never overwriting),
// written with pwrite, removed again when the upload does not complete.
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
};

}  // namespace netboot::tftp
