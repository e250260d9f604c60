#pragma once
// A ByteSource over bytes made in memory: a generated iPXE script served over TFTP.
#include <algorithm>
#include <cstring>
#include <string>

#include "tftp/byte_source.hpp"

namespace netboot::tftp {

class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(std::string bytes) : bytes_(std::move(bytes)) {}
  [[nodiscard]] std::optional<std::uint64_t> size() const override { return bytes_.size(); }
  Result<std::size_t> read_at(std::uint64_t offset, std::span<std::uint8_t> out) override {
    if (offset >= bytes_.size()) return std::size_t{0};
    const std::size_t n = std::min<std::size_t>(out.size(), bytes_.size() - static_cast<std::size_t>(offset));
    std::memcpy(out.data(), bytes_.data() + offset, n);
    return n;
  }

 private:
  std::string bytes_;
};

}  // namespace netboot::tftp
