#pragma once
// TFTP packets as values (RFC 1350, options RFC 2347, OACK RFC 2347 §3).
// parse_tftp_packet never throws and never keeps more than the DATA payload view.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/byte_reader.hpp"
#include "core/result.hpp"

namespace netboot::tftp {

enum class Opcode : std::uint16_t { Rrq = 1, Wrq = 2, Data = 3, Ack = 4, Error = 5, Oack = 6 };

/// RFC 1350 §5 error codes, plus 8 (RFC 2347: option negotiation refused).
enum class ErrorCode : std::uint16_t {
  NotDefined = 0,
  FileNotFound = 1,
  AccessViolation = 2,
  DiskFull = 3,
  IllegalOperation = 4,
  UnknownTransferId = 5,
  FileExists = 6,
  NoSuchUser = 7,
  OptionRefused = 8,
};

enum class TransferMode : std::uint8_t { Octet, Netascii, Mail };

constexpr std::size_t kDefaultBlockSize = 512;     // RFC 1350
constexpr std::size_t kHeaderSize = 4;             // opcode + block number
constexpr std::uint16_t kMinBlockSize = 8;         // RFC 2348
constexpr std::uint16_t kMaxBlockSize = 65464;     // RFC 2348
constexpr std::size_t kMaxDatagram = 65468 + 32;   // largest DATA plus slack for a receive buffer

struct TftpOption {
  std::string name;   // lower-cased (RFC 2347: names are case-insensitive)
  std::string value;  // as sent
  friend bool operator==(const TftpOption&, const TftpOption&) = default;
};

/// RRQ or WRQ.
struct Request {
  bool write = false;
  std::string filename;
  TransferMode mode = TransferMode::Octet;
  std::vector<TftpOption> options;
  friend bool operator==(const Request&, const Request&) = default;
};

/// DATA. `payload` points into the parsed datagram: consume it before the buffer is reused.
struct Data {
  std::uint16_t block = 0;
  ByteView payload;
};

struct Ack {
  std::uint16_t block = 0;
  friend bool operator==(const Ack&, const Ack&) = default;
};

struct ErrorPacket {
  ErrorCode code = ErrorCode::NotDefined;
  std::string message;
  friend bool operator==(const ErrorPacket&, const ErrorPacket&) = default;
};

struct Oack {
  std::vector<TftpOption> options;
  friend bool operator==(const Oack&, const Oack&) = default;
};

using TftpPacket = std::variant<Request, Data, Ack, ErrorPacket, Oack>;

/// Parses one datagram. Liberal where real clients need it: the mode is case-insensitive,
/// a missing NUL after the last option value or error message is tolerated (some embedded
/// clients omit it), an option name without a value ends option parsing. A filename or
/// mode without its terminating NUL is Errc::Truncated; an unknown opcode Errc::Unsupported.
[[nodiscard]] Result<TftpPacket> parse_tftp_packet(ByteView datagram);

/// Parses only the opcode and block of an ACK: the per-packet fast path (no allocation).
[[nodiscard]] std::optional<Opcode> peek_opcode(ByteView datagram) noexcept;

// Serialisers. The *_into forms write into a caller buffer and return the size used (0 if
// it does not fit); they allocate nothing.
std::size_t write_data_header(std::span<std::uint8_t> out, std::uint16_t block) noexcept;
std::size_t write_ack(std::span<std::uint8_t> out, std::uint16_t block) noexcept;
std::size_t write_error(std::span<std::uint8_t> out, ErrorCode code, std::string_view message) noexcept;
std::size_t write_oack(std::span<std::uint8_t> out, const std::vector<TftpOption>& options) noexcept;
std::size_t write_request(std::span<std::uint8_t> out, const Request& request) noexcept;

/// Convenience forms returning a fresh buffer (tests, rare paths).
Bytes serialize(const TftpPacket& packet);

std::string_view to_string(Opcode op) noexcept;
std::string_view to_string(ErrorCode code) noexcept;
std::string_view to_string(TransferMode mode) noexcept;

}  // namespace netboot::tftp
