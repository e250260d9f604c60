#include "dhcp/dhcp_packet.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "dhcp/option_catalog.hpp"

namespace netboot::dhcp {
namespace {

// Fixed header offsets (RFC 2131 §2, figure 1).
constexpr std::size_t kOpOffset = 0;
constexpr std::size_t kHtypeOffset = 1;
constexpr std::size_t kHlenOffset = 2;
constexpr std::size_t kHopsOffset = 3;
constexpr std::size_t kXidOffset = 4;
constexpr std::size_t kSecsOffset = 8;
constexpr std::size_t kFlagsOffset = 10;
constexpr std::size_t kCiaddrOffset = 12;
constexpr std::size_t kYiaddrOffset = 16;
constexpr std::size_t kSiaddrOffset = 20;
constexpr std::size_t kGiaddrOffset = 24;
constexpr std::size_t kChaddrOffset = 28;
constexpr std::size_t kSnameOffset = 44;
constexpr std::size_t kFileOffset = 108;
static_assert(kFileOffset + kFileSize == kFixedHeaderSize);


std::string fixed_string(ByteView field) {
  const auto text = as_text(field);
  return std::string(text.substr(0, text.find('\0')));
}

/// Reads the options of one area into `out`. Every read is bounded by the area's end;
/// an option running past it ends this area (Kea: keep what parsed).
void parse_option_area(ByteView area, OptionMap& out) noexcept {
  std::size_t pos = 0;
  while (pos < area.size()) {
    const auto code = OptionCode{area[pos]};
    if (code == OptionCode::Pad) {
      ++pos;
      continue;
    }
    if (code == OptionCode::End) return;
    if (pos + 1 >= area.size()) return;  // code without a length byte
    const std::size_t length = area[pos + 1];
    if (pos + 2 + length > area.size()) return;  // value runs past the end
    out.append(code, area.subspan(pos + 2, length));
    pos += 2 + length;
  }
}

}  // namespace

Result<DhcpPacket> parse_dhcp_packet(ByteView d) noexcept {
  try {
    if (d.size() < kFixedHeaderSize) return fail(Errc::Truncated, "shorter than the 236-byte BOOTP header");
    if (d.size() > kMaxDatagramSize) return fail(Errc::BadLength, "datagram larger than 64 KiB");
    DhcpPacket p;
    const auto op = d[kOpOffset];
    if (op != 1 && op != 2) return fail(Errc::BadValue, fmt::format("op {} is neither request nor reply", op));
    p.op = static_cast<BootpOp>(op);
    p.chaddr.htype = d[kHtypeOffset];
    p.chaddr.hlen = d[kHlenOffset];
    if (p.chaddr.hlen > kChaddrSize)
      return fail(Errc::BadLength, fmt::format("hlen {} larger than the 16-byte chaddr", p.chaddr.hlen));
    std::copy_n(d.begin() + kChaddrOffset, kChaddrSize, p.chaddr.bytes.begin());
    p.hops = d[kHopsOffset];
    // xid .. giaddr are consecutive big-endian fields, all inside the length checked above.
    static_assert(kSecsOffset == kXidOffset + 4 && kFlagsOffset == kSecsOffset + 2 && kCiaddrOffset == kFlagsOffset + 2 &&
                  kYiaddrOffset == kCiaddrOffset + 4 && kSiaddrOffset == kYiaddrOffset + 4 &&
                  kGiaddrOffset == kSiaddrOffset + 4);
    ByteReader fields(d.subspan(kXidOffset, kChaddrOffset - kXidOffset));
    p.xid = *fields.u32();
    p.secs = *fields.u16();
    p.broadcast = (*fields.u16() & kBroadcastFlag) != 0;
    p.ciaddr = Ipv4Address::from_host_order(*fields.u32());
    p.yiaddr = Ipv4Address::from_host_order(*fields.u32());
    p.siaddr = Ipv4Address::from_host_order(*fields.u32());
    p.giaddr = Ipv4Address::from_host_order(*fields.u32());
    const auto sname_field = d.subspan(kSnameOffset, kSnameSize);
    const auto file_field = d.subspan(kFileOffset, kFileSize);

    p.magic_cookie = d.size() >= kOptionsOffset &&
                     std::equal(kMagicCookie.begin(), kMagicCookie.end(), d.begin() + kFixedHeaderSize);
    if (p.magic_cookie) {
      parse_option_area(d.subspan(kOptionsOffset), p.options);
      // RFC 2132 §9.3: option 52 says file and/or sname hold more options. Only the
      // option field may carry it; read it once, then keep it out of the map.
      const auto overload = p.options.get_u8(OptionCode::Overload).value_or(0);
      p.options.erase(OptionCode::Overload);
      const bool in_file = overload == kOverloadFile || overload == kOverloadBoth;
      const bool in_sname = overload == kOverloadSname || overload == kOverloadBoth;
      if (in_file) parse_option_area(file_field, p.options);
      if (in_sname) parse_option_area(sname_field, p.options);
      p.options.erase(OptionCode::Overload);
      if (!in_file) p.file = fixed_string(file_field);
      if (!in_sname) p.sname = fixed_string(sname_field);

      if (const auto* type = p.options.find(OptionCode::MessageType)) {
        if (type->size() != 1) return fail(Errc::BadLength, "option 53 is not one byte long");
        p.message_type = message_type_from((*type)[0]);
        if (!p.message_type) return fail(Errc::BadValue, fmt::format("unknown DHCP message type {}", (*type)[0]));
        p.options.erase(OptionCode::MessageType);
      }
    } else {
      p.file = fixed_string(file_field);
      p.sname = fixed_string(sname_field);
    }
    return p;
  } catch (...) {  // allocation failure: the only thing above that can throw
    return fail(Errc::Io, "out of memory while parsing");
  }
}

namespace {

// Serializing allocates nothing but the output: options are placed by size and written
// straight from the packet's values (this runs for every reply).

struct EncodedOption {
  OptionCode code;
  ByteView value;
  bool add_nul;  // options 66/67: a terminating NUL is written after the value
  bool mandatory;
  std::size_t wire_size;  // code/length/value chunks, RFC 3396 split included
};

// Where an option goes: the options field, the file field, the sname field (RFC 2131 §4.1
// overload), or nowhere.
enum Area : std::uint8_t { kOptionsArea = 0, kFileArea = 1, kSnameArea = 2, kDropped = 3 };
constexpr std::size_t kAreaCount = 3;

// Every distinct code but PAD and END, plus 53 (kept out of the map).
constexpr std::size_t kMaxEncodedOptions = 256;

struct EncodedOptions {
  std::array<EncodedOption, kMaxEncodedOptions> items;  // left uninitialized past `count`
  std::size_t count = 0;
  void add(OptionCode code, ByteView value, bool add_nul, bool mandatory) {
    if (count == items.size()) return;  // unreachable: one entry per code
    items[count++] = {code, value, add_nul, mandatory, split_option_wire_size(value.size() + (add_nul ? 1 : 0))};
  }
};

/// Writes one option: zero-length options are legal (e.g. RFC 4039 rapid commit); values
/// over 255 bytes are split into consecutive chunks (RFC 3396).
void write_option(Bytes& out, const EncodedOption& option) {
  const ByteView value = option.value;
  const std::size_t total = value.size() + (option.add_nul ? 1 : 0);
  if (total == 0) {
    out.push_back(code_value(option.code));
    out.push_back(0);
    return;
  }
  for (std::size_t pos = 0; pos < total; pos += kMaxOptionChunk) {
    const std::size_t n = std::min(kMaxOptionChunk, total - pos);
    out.push_back(code_value(option.code));
    out.push_back(static_cast<std::uint8_t>(n));
    const std::size_t from_value = pos < value.size() ? std::min(n, value.size() - pos) : 0;
    out.insert(out.end(), value.begin() + static_cast<std::ptrdiff_t>(pos),
               value.begin() + static_cast<std::ptrdiff_t>(pos + from_value));
    if (from_value < n) out.push_back(0);  // the NUL, the only byte past the value
  }
}

bool is_mandatory(OptionCode code) {
  return code == OptionCode::MessageType || code == OptionCode::ServerIdentifier ||
         code == OptionCode::SubnetMask || code == OptionCode::LeaseTime ||
         code == OptionCode::RelayAgentInformation;  // RFC 3046 echo: relays read only the main area
}

/// The options in wire order: 53, 54, then ascending codes.
void encode_options(const DhcpPacket& p, std::uint8_t& message_type, EncodedOptions& out) {
  if (p.message_type) {
    message_type = static_cast<std::uint8_t>(*p.message_type);
    out.add(OptionCode::MessageType, ByteView(&message_type, 1), false, true);
  }
  if (const auto* id = p.options.find(OptionCode::ServerIdentifier))
    out.add(OptionCode::ServerIdentifier, *id, false, true);
  for (const auto& [code, value] : p.options) {
    if (code == OptionCode::MessageType || code == OptionCode::ServerIdentifier || code == OptionCode::Overload)
      continue;
    // Some PXE ROMs copy these into C strings without a terminator of their own.
    const bool add_nul =
        (code == OptionCode::TftpServerName || code == OptionCode::BootFileName) && (value.empty() || value.back() != 0);
    out.add(code, value, add_nul, is_mandatory(code));
  }
}

/// First-fit placement into areas of the given capacities (bytes for options, END
/// excluded), mandatory options first, then in wire order. Returns how many options found
/// no room.
std::size_t place(const EncodedOptions& options, const std::array<std::size_t, kAreaCount>& capacity,
                  std::array<Area, kMaxEncodedOptions>& placed) {
  std::array<std::size_t, kAreaCount> used{};
  std::size_t dropped = 0;
  for (const bool mandatory_pass : {true, false}) {
    for (std::size_t i = 0; i < options.count; ++i) {
      const auto& option = options.items[i];
      if (option.mandatory != mandatory_pass) continue;
      placed[i] = kDropped;
      for (std::size_t area = 0; area < kAreaCount; ++area) {
        if (used[area] + option.wire_size <= capacity[area]) {
          used[area] += option.wire_size;
          placed[i] = static_cast<Area>(area);
          break;
        }
      }
      if (placed[i] == kDropped) ++dropped;
    }
  }
  return dropped;
}

bool area_used(const EncodedOptions& options, const std::array<Area, kMaxEncodedOptions>& placed, Area area) {
  return std::any_of(placed.begin(), placed.begin() + static_cast<std::ptrdiff_t>(options.count),
                     [area](Area a) { return a == area; });
}

}  // namespace

Bytes serialize_dhcp_packet(const DhcpPacket& p, std::size_t max_size) {
  Bytes out;
  serialize_dhcp_packet(p, max_size, out);
  return out;
}

void serialize_dhcp_packet(const DhcpPacket& p, std::size_t max_size, Bytes& out) {
  const std::size_t limit = std::max(max_size, kMinPacketSize);
  EncodedOptions options;
  std::uint8_t message_type = 0;
  if (p.magic_cookie) encode_options(p, message_type, options);

  // Plan A: everything in the options field. Plan B: options, then file, then sname,
  // when those fields are unused (RFC 2131 §4.1 overload), at the cost of option 52.
  std::array<Area, kMaxEncodedOptions> placed;
  const std::size_t plain_dropped = place(options, {limit - kOptionsOffset - 1, 0, 0}, placed);
  std::uint8_t overload = 0;
  if (plain_dropped > 0 && (p.file.empty() || p.sname.empty())) {
    constexpr std::size_t kOverloadWireSize = 3;  // 52, length 1, value
    std::array<Area, kMaxEncodedOptions> spread;
    const std::array<std::size_t, kAreaCount> capacity{limit - kOptionsOffset - 1 - kOverloadWireSize,
                                                       p.file.empty() ? kFileSize - 1 : 0,
                                                       p.sname.empty() ? kSnameSize - 1 : 0};
    if (place(options, capacity, spread) < plain_dropped) {
      placed = spread;
      overload = static_cast<std::uint8_t>((area_used(options, placed, kFileArea) ? kOverloadFile : 0) |
                                           (area_used(options, placed, kSnameArea) ? kOverloadSname : 0));
    }
  }

  out.clear();
  out.reserve(limit);
  ByteWriter w(out);
  w.u8(static_cast<std::uint8_t>(p.op));
  w.u8(p.chaddr.htype);
  w.u8(p.chaddr.hlen);
  w.u8(p.hops);
  w.u32(p.xid);
  w.u16(p.secs);
  w.u16(p.broadcast ? kBroadcastFlag : 0);
  w.u32(p.ciaddr.to_host_order());
  w.u32(p.yiaddr.to_host_order());
  w.u32(p.siaddr.to_host_order());
  w.u32(p.giaddr.to_host_order());
  w.bytes(p.chaddr.bytes);

  // The options of `area` in wire order, from index `first` on, then END.
  const auto write_area = [&](Area area, std::size_t first) {
    for (std::size_t i = first; i < options.count; ++i)
      if (placed[i] == area) write_option(out, options.items[i]);
    out.push_back(code_value(OptionCode::End));
  };
  const auto write_field = [&](Area area, const std::string& text, std::size_t width) {
    if (!area_used(options, placed, area)) {
      w.fixed(as_bytes(text), width);  // a full-width name has no NUL: the field is fixed-size
      return;
    }
    const std::size_t start = out.size();
    write_area(area, 0);
    w.zeros(width - (out.size() - start));
  };
  // An RFC 951 client that sent no cookie gets a reply without one, and so without options.
  const bool plain_bootp = !p.magic_cookie;
  if (overload != 0) {
    write_field(kSnameArea, p.sname, kSnameSize);
    write_field(kFileArea, p.file, kFileSize);
  } else {
    w.fixed(as_bytes(p.sname), kSnameSize);
    w.fixed(as_bytes(p.file), kFileSize);
  }
  if (!plain_bootp) {
    w.bytes(kMagicCookie);
    // 53 and 54 stay in front of 52: old ROMs look for the message type first.
    std::size_t rest = 0;
    for (; rest < options.count; ++rest) {
      if (placed[rest] != kOptionsArea) continue;
      const auto code = options.items[rest].code;
      if (code != OptionCode::MessageType && code != OptionCode::ServerIdentifier) break;
      write_option(out, options.items[rest]);
    }
    if (overload != 0) {
      out.push_back(code_value(OptionCode::Overload));
      out.push_back(1);
      out.push_back(overload);
    }
    write_area(kOptionsArea, rest);
  }
  if (out.size() < kMinPacketSize) w.zeros(kMinPacketSize - out.size());
}

std::size_t max_reply_size(const DhcpPacket& request) {
  const std::size_t asked = request.options.get_u16(OptionCode::MaxMessageSize).value_or(0);
  return std::max(asked, kMinMaxMessageSize) - kIpUdpHeaderSize;
}

std::size_t reply_size_limit(const DhcpPacket& request, const DhcpPacket& reply) {
  const Bytes* agent = reply.options.find(OptionCode::RelayAgentInformation);
  return max_reply_size(request) + (agent != nullptr ? split_option_wire_size(agent->size()) : 0);
}

namespace {

std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u >= 0x7F) {
      out += fmt::format("\\x{:02x}", u);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string hex(const Bytes& value) {
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (i != 0) out += ' ';
    out += fmt::format("{:02x}", value[i]);
  }
  return out;
}

std::string describe_value(const OptionMap& options, OptionCode code, const Bytes& value) {
  const auto info = find_option_info(code);
  const auto kind = info ? info->kind : OptionKind::Bytes;
  switch (kind) {
    case OptionKind::U8:
      if (const auto v = options.get_u8(code)) return std::to_string(*v);
      break;
    case OptionKind::U16:
      if (const auto v = options.get_u16(code)) return std::to_string(*v);
      break;
    case OptionKind::U32:
      if (const auto v = options.get_u32(code)) return std::to_string(*v);
      break;
    case OptionKind::Address:
      if (const auto v = options.get_address(code)) return v->to_string();
      break;
    case OptionKind::AddressList:
      if (const auto v = options.get_addresses(code)) {
        std::string out;
        for (const auto& a : *v) out += (out.empty() ? "" : ", ") + a.to_string();
        return out;
      }
      break;
    case OptionKind::Text: return quoted(as_text(value));
    case OptionKind::CodeList: {
      std::string out;
      for (const auto c : value) out += (out.empty() ? "" : ",") + std::to_string(c);
      return out;
    }
    case OptionKind::U16List:
      if (!value.empty() && value.size() % 2 == 0) {
        std::string out;
        for (std::size_t i = 0; i < value.size(); i += 2)
          out += (out.empty() ? "" : ", ") + std::to_string(value[i] << 8 | value[i + 1]);
        return out;
      }
      break;
    case OptionKind::Bytes: return hex(value);
  }
  return hex(value) + " (malformed)";
}

}  // namespace

std::string describe(const DhcpPacket& p) {
  std::string out;
  out += fmt::format("op: {}\n", to_string(p.op));
  out += fmt::format("htype: {} hlen: {} chaddr: {}\n", p.chaddr.htype, p.chaddr.hlen, p.chaddr.to_string());
  out += fmt::format("hops: {}\nxid: 0x{:08x}\nsecs: {}\n", p.hops, p.xid, p.secs);
  out += fmt::format("flags: {}\n", p.broadcast ? "broadcast" : "unicast");
  out += fmt::format("ciaddr: {}\nyiaddr: {}\nsiaddr: {}\ngiaddr: {}\n", p.ciaddr.to_string(), p.yiaddr.to_string(),
                     p.siaddr.to_string(), p.giaddr.to_string());
  out += fmt::format("sname: {}\nfile: {}\n", quoted(p.sname), quoted(p.file));
  out += fmt::format("magic-cookie: {}\n", p.magic_cookie ? "yes" : "no");
  out += fmt::format("message-type: {}\n", p.message_type ? to_string(*p.message_type) : "none (BOOTP)");
  for (const auto& [code, value] : p.options)
    out += fmt::format("option {} {} [{}]: {}\n", code_value(code), option_name(code), value.size(),
                       describe_value(p.options, code, value));
  return out;
}

}  // namespace netboot::dhcp
