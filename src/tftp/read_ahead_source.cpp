#include "tftp/read_ahead_source.hpp"

#include <algorithm>
#include <cstring>

namespace netboot::tftp {

Result<std::size_t> ReadAheadSource::read_at(std::uint64_t offset, std::span<std::uint8_t> out) {
  if (held_ && offset >= offset_ && offset - offset_ + out.size() <= wanted_) {
    // Inside the range asked for; past what was read is past the end of the file.
    const auto start = static_cast<std::size_t>(offset - offset_);
    const std::size_t n = start < block_.size() ? std::min(out.size(), block_.size() - start) : 0;
    if (n > 0) std::memcpy(out.data(), block_.data() + start, n);
    ++hits_;
    return n;
  }
  held_ = false;  // the transfer went elsewhere (a window restart): read directly
  return inner_->read_at(offset, out);
}

void ReadAheadSource::read_ahead(std::uint64_t offset, std::size_t size) {
  if (held_ && offset == offset_ && size == wanted_) return;  // a duplicate ACK: already here
  held_ = false;
  if (size == 0) return;
  block_.resize(size);
  auto got = inner_->read_at(offset, block_);
  if (!got) return;
  block_.resize(*got);
  offset_ = offset;
  wanted_ = size;
  held_ = true;
}

}  // namespace netboot::tftp
