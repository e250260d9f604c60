// One Errc -> TFTP ERROR mapping for refused reads and writes.
#include <gtest/gtest.h>

#include "tftp/refusal.hpp"

namespace netboot::tftp {
namespace {

TEST(RefusalFor, ReadsAndWritesAnswerPerRfc1350) {
  struct Case {
    Errc why;
    Direction direction;
    ErrorCode code;
    std::string_view message;
  };
  const Case cases[] = {
      {Errc::NotFound, Direction::Read, ErrorCode::FileNotFound, "File not found"},
      {Errc::AccessDenied, Direction::Read, ErrorCode::AccessViolation, "Access violation"},
      {Errc::Io, Direction::Read, ErrorCode::NotDefined, "Server could not read the file"},
      {Errc::Busy, Direction::Read, ErrorCode::NotDefined, "Server busy, try again later"},
      {Errc::BadValue, Direction::Write, ErrorCode::FileExists, "File already exists"},
      {Errc::NotFound, Direction::Write, ErrorCode::FileNotFound, "Directory not found"},
      {Errc::AccessDenied, Direction::Write, ErrorCode::AccessViolation, "Access violation"},
  };
  for (const auto& c : cases) {
    const auto refusal = refusal_for(c.why, c.direction);
    EXPECT_EQ(refusal.code, c.code) << c.message;
    EXPECT_EQ(refusal.message, c.message);
  }
}

}  // namespace
}  // namespace netboot::tftp
