#include "core/byte_reader.hpp"

#include <algorithm>

namespace netboot {

Result<std::uint8_t> ByteReader::u8() noexcept {
  if (remaining() < 1) return fail(Errc::Truncated, "u8");
  return data_[pos_++];
}

Result<std::uint16_t> ByteReader::u16() noexcept {
  if (remaining() < 2) return fail(Errc::Truncated, "u16");
  const auto value = static_cast<std::uint16_t>(data_[pos_] << 8 | data_[pos_ + 1]);
  pos_ += 2;
  return value;
}

Result<std::uint32_t> ByteReader::u32() noexcept {
  if (remaining() < 4) return fail(Errc::Truncated, "u32");
  const auto value = std::uint32_t{data_[pos_]} << 24 | std::uint32_t{data_[pos_ + 1]} << 16 |
                     std::uint32_t{data_[pos_ + 2]} << 8 | data_[pos_ + 3];
  pos_ += 4;
  return value;
}

Result<ByteView> ByteReader::bytes(std::size_t n) noexcept {
  if (remaining() < n) return fail(Errc::Truncated, "bytes");
  const auto view = data_.subspan(pos_, n);
  pos_ += n;
  return view;
}

ByteView ByteReader::rest() noexcept {
  const auto view = data_.subspan(pos_);
  pos_ = data_.size();
  return view;
}

void ByteWriter::fixed(ByteView v, std::size_t width) {
  const auto n = std::min(v.size(), width);
  out_.insert(out_.end(), v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n));
  zeros(width - n);
}

}  // namespace netboot
