#include "tftp/netascii_source.hpp"

#include <algorithm>
#include <array>
#include <string>

namespace netboot::tftp {
namespace {
constexpr std::size_t kMaxCheckpoints = 1024;  // > any window we allow to restart within
}

Result<std::size_t> NetasciiSource::convert(Position& pos, std::span<std::uint8_t> out, bool discard) {
  std::size_t produced = 0;
  while (produced < out.size()) {
    if (pos.pending >= 0) {
      if (!discard) out[produced] = static_cast<std::uint8_t>(pos.pending);
      ++produced;
      ++pos.converted;
      pos.pending = -1;
      continue;
    }
    std::size_t want = std::min(sizeof(chunk_), out.size() - produced);
    if (end_) {
      if (pos.source >= *end_) break;  // the size at open: the end, however the file grew
      want = static_cast<std::size_t>(std::min<std::uint64_t>(want, *end_ - pos.source));
    }
    auto got = inner_->read_at(pos.source, std::span<std::uint8_t>(chunk_, want));
    if (!got) {
      if (produced > 0 && got.error().code == Errc::Busy) return produced;  // partial is fine: caller retries
      return got;
    }
    if (*got == 0) {
      if (end_) return shrunk(pos.source);
      break;  // end of file
    }
    for (std::size_t i = 0; i < *got && produced < out.size(); ++i) {
      const std::uint8_t c = chunk_[i];
      ++pos.source;
      std::uint8_t first = c;
      int second = -1;
      if (c == '\n') {
        first = '\r';
        second = '\n';
      } else if (c == '\r') {
        second = 0;
      }
      if (!discard) out[produced] = first;
      ++produced;
      ++pos.converted;
      if (second >= 0) {
        if (produced < out.size()) {
          if (!discard) out[produced] = static_cast<std::uint8_t>(second);
          ++produced;
          ++pos.converted;
        } else {
          pos.pending = second;
        }
      }
    }
  }
  return produced;
}

Unexpected NetasciiSource::shrunk(std::uint64_t source_offset) const {
  return fail(Errc::Io, "file shrank during the transfer to " + std::to_string(source_offset) + " bytes or fewer where " +
                            std::to_string(*end_) + " were there at open");
}

Result<std::size_t> NetasciiSource::read_at(std::uint64_t offset, std::span<std::uint8_t> out) {
  if (offset != current_.converted) {
    const auto it = std::find_if(checkpoints_.rbegin(), checkpoints_.rend(),
                                 [&](const Position& p) { return p.converted == offset; });
    if (it != checkpoints_.rend()) {
      current_ = *it;
    } else {
      // Far back (or forward): rescan from the start; rare, and still correct.
      Position scan;
      std::array<std::uint8_t, 4096> sink{};
      while (scan.converted < offset) {
        const auto step = std::min<std::uint64_t>(sink.size(), offset - scan.converted);
        auto got = convert(scan, std::span<std::uint8_t>(sink.data(), static_cast<std::size_t>(step)), true);
        if (!got) return got;
        if (*got == 0) return std::size_t{0};
      }
      current_ = scan;
    }
  }
  if (checkpoints_.empty() || checkpoints_.back().converted < offset) {
    checkpoints_.push_back(current_);
    if (checkpoints_.size() > kMaxCheckpoints) checkpoints_.pop_front();
  }
  Position attempt = current_;
  auto got = convert(attempt, out, false);
  if (!got) return got;
  if (*got < out.size() && attempt.pending < 0 && !(end_ && attempt.source >= *end_)) {
    // A short read is the end, unless the inner source was merely Busy mid-way: then report
    // Busy and retry the whole block later so the caller never sees a premature end.
    auto probe = inner_->read_at(attempt.source, std::span<std::uint8_t>(chunk_, 1));
    if (!probe) return probe;
    if (*probe != 0) return fail(Errc::Busy, "netascii: source not ready");
    if (end_) return shrunk(attempt.source);
  }
  current_ = attempt;
  return got;
}

}  // namespace netboot::tftp
