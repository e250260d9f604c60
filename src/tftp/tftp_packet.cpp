#include "tftp/tftp_packet.hpp"

#include <algorithm>
#include <cstring>

#include "core/text.hpp"

namespace netboot::tftp {
namespace {

/// A NUL-terminated string from `data` at `pos`; advances past the NUL. nullopt when the NUL
/// is missing, unless `allow_unterminated` (then the rest of the datagram is the string).
std::optional<std::string_view> take_string(ByteView data, std::size_t& pos, bool allow_unterminated) {
  if (pos > data.size()) return std::nullopt;
  const auto rest = data.subspan(pos);
  const auto nul = std::find(rest.begin(), rest.end(), std::uint8_t{0});
  if (nul == rest.end()) {
    if (!allow_unterminated) return std::nullopt;
    pos = data.size();
    return as_text(rest);
  }
  const auto length = static_cast<std::size_t>(nul - rest.begin());
  pos += length + 1;
  return as_text(rest.first(length));
}

std::vector<TftpOption> parse_options(ByteView data, std::size_t pos) {
  std::vector<TftpOption> options;
  while (pos < data.size()) {
    const auto name = take_string(data, pos, false);
    if (!name || name->empty()) break;  // trailing padding or a name without value: stop
    const auto value = take_string(data, pos, true);
    if (!value) break;
    options.push_back({to_lower(*name), std::string(*value)});
  }
  return options;
}

void put_u16(std::span<std::uint8_t> out, std::size_t at, std::uint16_t v) noexcept {
  out[at] = static_cast<std::uint8_t>(v >> 8);
  out[at + 1] = static_cast<std::uint8_t>(v);
}

/// Appends `text` and a NUL at `pos` if it fits.
bool put_string(std::span<std::uint8_t> out, std::size_t& pos, std::string_view text) noexcept {
  if (out.size() < pos || out.size() - pos < text.size() + 1) return false;
  std::memcpy(out.data() + pos, text.data(), text.size());
  pos += text.size();
  out[pos++] = 0;
  return true;
}

}  // namespace

std::optional<Opcode> peek_opcode(ByteView datagram) noexcept {
  const auto op = ByteReader(datagram).u16();
  if (!op || *op < 1 || *op > 6) return std::nullopt;
  return static_cast<Opcode>(*op);
}

Result<TftpPacket> parse_tftp_packet(ByteView datagram) {
  ByteReader reader(datagram);
  const auto op = reader.u16();
  if (!op) return fail(Errc::Truncated, "tftp: shorter than an opcode");
  switch (*op) {
    case 1:
    case 2: {
      std::size_t pos = 2;
      const auto filename = take_string(datagram, pos, false);
      if (!filename) return fail(Errc::Truncated, "tftp: filename without NUL");
      // Some clients omit the final NUL after the mode (seen on old embedded loaders).
      const auto mode = take_string(datagram, pos, true);
      if (!mode || mode->empty()) return fail(Errc::Truncated, "tftp: missing mode");
      Request request;
      request.write = *op == 2;
      request.filename = std::string(*filename);
      if (iequals(*mode, "octet")) {
        request.mode = TransferMode::Octet;
      } else if (iequals(*mode, "netascii")) {
        request.mode = TransferMode::Netascii;
      } else if (iequals(*mode, "mail")) {
        request.mode = TransferMode::Mail;
      } else {
        return fail(Errc::BadValue, "tftp: unknown transfer mode");
      }
      request.options = parse_options(datagram, pos);
      return TftpPacket{std::move(request)};
    }
    case 3: {
      const auto block = reader.u16();
      if (!block) return fail(Errc::Truncated, "tftp: DATA without block number");
      return TftpPacket{Data{*block, reader.rest()}};
    }
    case 4: {
      const auto block = reader.u16();
      if (!block) return fail(Errc::Truncated, "tftp: ACK without block number");
      return TftpPacket{Ack{*block}};
    }
    case 5: {
      const auto code = reader.u16();
      if (!code) return fail(Errc::Truncated, "tftp: ERROR without code");
      std::size_t pos = 4;
      const auto message = take_string(datagram, pos, true);
      return TftpPacket{ErrorPacket{static_cast<ErrorCode>(*code), std::string(message.value_or(""))}};
    }
    case 6:
      return TftpPacket{Oack{parse_options(datagram, 2)}};
    default:
      return fail(Errc::Unsupported, "tftp: unknown opcode");
  }
}

std::size_t write_data_header(std::span<std::uint8_t> out, std::uint16_t block) noexcept {
  if (out.size() < kHeaderSize) return 0;
  put_u16(out, 0, static_cast<std::uint16_t>(Opcode::Data));
  put_u16(out, 2, block);
  return kHeaderSize;
}

std::size_t write_ack(std::span<std::uint8_t> out, std::uint16_t block) noexcept {
  if (out.size() < 4) return 0;
  put_u16(out, 0, static_cast<std::uint16_t>(Opcode::Ack));
  put_u16(out, 2, block);
  return 4;
}

std::size_t write_error(std::span<std::uint8_t> out, ErrorCode code, std::string_view message) noexcept {
  if (out.size() < 4) return 0;
  put_u16(out, 0, static_cast<std::uint16_t>(Opcode::Error));
  put_u16(out, 2, static_cast<std::uint16_t>(code));
  std::size_t pos = 4;
  return put_string(out, pos, message) ? pos : 0;
}

std::size_t write_oack(std::span<std::uint8_t> out, const std::vector<TftpOption>& options) noexcept {
  if (out.size() < 2) return 0;
  put_u16(out, 0, static_cast<std::uint16_t>(Opcode::Oack));
  std::size_t pos = 2;
  for (const auto& option : options) {
    if (!put_string(out, pos, option.name) || !put_string(out, pos, option.value)) return 0;
  }
  return pos;
}

std::size_t write_request(std::span<std::uint8_t> out, const Request& request) noexcept {
  if (out.size() < 2) return 0;
  put_u16(out, 0, static_cast<std::uint16_t>(request.write ? Opcode::Wrq : Opcode::Rrq));
  std::size_t pos = 2;
  if (!put_string(out, pos, request.filename) || !put_string(out, pos, to_string(request.mode))) return 0;
  for (const auto& option : request.options) {
    if (!put_string(out, pos, option.name) || !put_string(out, pos, option.value)) return 0;
  }
  return pos;
}

Bytes serialize(const TftpPacket& packet) {
  Bytes out(kMaxDatagram);
  std::size_t size = 0;
  if (const auto* request = std::get_if<Request>(&packet)) {
    size = write_request(out, *request);
  } else if (const auto* data = std::get_if<Data>(&packet)) {
    size = write_data_header(out, data->block);
    if (data->payload.size() > out.size() - size) return {};
    std::copy(data->payload.begin(), data->payload.end(), out.begin() + static_cast<std::ptrdiff_t>(size));
    size += data->payload.size();
  } else if (const auto* ack = std::get_if<Ack>(&packet)) {
    size = write_ack(out, ack->block);
  } else if (const auto* error = std::get_if<ErrorPacket>(&packet)) {
    size = write_error(out, error->code, error->message);
  } else if (const auto* oack = std::get_if<Oack>(&packet)) {
    size = write_oack(out, oack->options);
  }
  out.resize(size);
  return out;
}

std::string_view to_string(Opcode op) noexcept {
  switch (op) {
    case Opcode::Rrq: return "RRQ";
    case Opcode::Wrq: return "WRQ";
    case Opcode::Data: return "DATA";
    case Opcode::Ack: return "ACK";
    case Opcode::Error: return "ERROR";
    case Opcode::Oack: return "OACK";
  }
  return "?";
}

std::string_view to_string(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::NotDefined: return "not defined";
    case ErrorCode::FileNotFound: return "file not found";
    case ErrorCode::AccessViolation: return "access violation";
    case ErrorCode::DiskFull: return "disk full";
    case ErrorCode::IllegalOperation: return "illegal operation";
    case ErrorCode::UnknownTransferId: return "unknown transfer id";
    case ErrorCode::FileExists: return "file exists";
    case ErrorCode::NoSuchUser: return "no such user";
    case ErrorCode::OptionRefused: return "option refused";
  }
  return "unknown error code";
}

std::string_view to_string(TransferMode mode) noexcept {
  switch (mode) {
    case TransferMode::Octet: return "octet";
    case TransferMode::Netascii: return "netascii";
    case TransferMode::Mail: return "mail";
  }
  return "?";
}

}  // namespace netboot::tftp
