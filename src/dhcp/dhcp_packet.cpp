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

std::uint32_t be32(ByteView d, std::size_t at) {
  return std::uint32_t{d[at]} << 24 | std::uint32_t{d[at + 1]} << 16 | std::uint32_t{d[at + 2]} << 8 | d[at + 3];
}
std::uint16_t be16(ByteView d, std::size_t at) { return static_cast<std::uint16_t>(d[at] << 8 | d[at + 1]); }

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
    p.xid = be32(d, kXidOffset);
    p.secs = be16(d, kSecsOffset);
    p.broadcast = (be16(d, kFlagsOffset) & kBroadcastFlag) != 0;
    p.ciaddr = Ipv4Address::from_host_order(be32(d, kCiaddrOffset));
    p.yiaddr = Ipv4Address::from_host_order(be32(d, kYiaddrOffset));
    p.siaddr = Ipv4Address::from_host_order(be32(d, kSiaddrOffset));
    p.giaddr = Ipv4Address::from_host_order(be32(d, kGiaddrOffset));
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

struct EncodedOption {
  OptionCode code;
  Bytes wire;  // one or more code/length/value chunks
  bool mandatory = false;
};

Bytes encode_option(OptionCode code, ByteView value) {
  Bytes out;
  if (value.empty()) {  // zero-length options are legal (e.g. RFC 4039 rapid commit)
    out = {code_value(code), 0};
    return out;
  }
  for (std::size_t pos = 0; pos < value.size(); pos += kMaxOptionChunk) {
    const std::size_t n = std::min(kMaxOptionChunk, value.size() - pos);
    out.push_back(code_value(code));
    out.push_back(static_cast<std::uint8_t>(n));
    out.insert(out.end(), value.begin() + static_cast<std::ptrdiff_t>(pos),
               value.begin() + static_cast<std::ptrdiff_t>(pos + n));
  }
  return out;
}

bool is_mandatory(OptionCode code) {
  return code == OptionCode::MessageType || code == OptionCode::ServerIdentifier ||
         code == OptionCode::SubnetMask || code == OptionCode::LeaseTime;
}

/// The options in wire order: 53, 54, then ascending codes.
std::vector<EncodedOption> encode_options(const DhcpPacket& p) {
  std::vector<EncodedOption> out;
  if (p.message_type) {
    const Bytes value{static_cast<std::uint8_t>(*p.message_type)};
    out.push_back({OptionCode::MessageType, encode_option(OptionCode::MessageType, value), true});
  }
  if (const auto* id = p.options.find(OptionCode::ServerIdentifier))
    out.push_back({OptionCode::ServerIdentifier, encode_option(OptionCode::ServerIdentifier, *id), true});
  for (const auto& [code, value] : p.options) {
    if (code == OptionCode::MessageType || code == OptionCode::ServerIdentifier || code == OptionCode::Overload)
      continue;
    if ((code == OptionCode::TftpServerName || code == OptionCode::BootFileName) &&
        (value.empty() || value.back() != 0)) {
      // Some PXE ROMs copy these into C strings without a terminator of their own.
      Bytes terminated = value;
      terminated.push_back(0);
      out.push_back({code, encode_option(code, terminated), false});
      continue;
    }
    out.push_back({code, encode_option(code, value), is_mandatory(code)});
  }
  return out;
}

struct Area {
  std::size_t capacity = 0;  // bytes available for options, END excluded
  std::size_t used = 0;
  std::vector<std::size_t> members;  // indexes into the encoded list, in wire order
};

/// First-fit placement, mandatory options first, then in wire order. Returns how many
/// options found no room.
std::size_t place(const std::vector<EncodedOption>& options, std::vector<Area>& areas) {
  std::size_t dropped = 0;
  for (const bool mandatory_pass : {true, false}) {
    for (std::size_t i = 0; i < options.size(); ++i) {
      if (options[i].mandatory != mandatory_pass) continue;
      bool placed = false;
      for (auto& area : areas) {
        if (area.used + options[i].wire.size() <= area.capacity) {
          area.used += options[i].wire.size();
          area.members.push_back(i);
          placed = true;
          break;
        }
      }
      if (!placed) ++dropped;
    }
  }
  for (auto& area : areas) std::sort(area.members.begin(), area.members.end());
  return dropped;
}

void write_area(Bytes& out, const std::vector<EncodedOption>& options, const Area& area, const Bytes& prefix) {
  out.insert(out.end(), prefix.begin(), prefix.end());
  for (const auto i : area.members) out.insert(out.end(), options[i].wire.begin(), options[i].wire.end());
  out.push_back(code_value(OptionCode::End));
}

}  // namespace

Bytes serialize_dhcp_packet(const DhcpPacket& p, std::size_t max_size) {
  const std::size_t limit = std::max(max_size, kMinPacketSize);
  const auto options = p.magic_cookie ? encode_options(p) : std::vector<EncodedOption>{};

  // Plan A: everything in the options field. Plan B: options, then file, then sname,
  // when those fields are unused (RFC 2131 §4.1 overload), at the cost of option 52.
  std::vector<Area> plain{Area{limit - kOptionsOffset - 1, 0, {}}};
  const std::size_t plain_dropped = place(options, plain);
  std::vector<Area> areas = plain;
  std::uint8_t overload = 0;
  if (plain_dropped > 0 && (p.file.empty() || p.sname.empty())) {
    const Bytes overload_wire{code_value(OptionCode::Overload), 1, 0};
    std::vector<Area> spread{Area{limit - kOptionsOffset - 1 - overload_wire.size(), 0, {}}};
    spread.push_back(Area{p.file.empty() ? kFileSize - 1 : 0, 0, {}});
    spread.push_back(Area{p.sname.empty() ? kSnameSize - 1 : 0, 0, {}});
    if (place(options, spread) < plain_dropped) {
      areas = spread;
      overload = static_cast<std::uint8_t>((areas[1].members.empty() ? 0 : kOverloadFile) |
                                           (areas[2].members.empty() ? 0 : kOverloadSname));
    }
  }

  Bytes out;
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

  const auto write_field = [&](const Area& area, const std::string& text, std::size_t width) {
    if (area.members.empty()) {
      w.fixed(as_bytes(text), width);  // a full-width name has no NUL: the field is fixed-size
      return;
    }
    const std::size_t start = out.size();
    write_area(out, options, area, {});
    w.zeros(width - (out.size() - start));
  };
  // An RFC 951 client that sent no cookie gets a reply without one, and so without options.
  const bool plain_bootp = !p.magic_cookie;
  if (overload != 0) {
    write_field(areas[2], p.sname, kSnameSize);
    write_field(areas[1], p.file, kFileSize);
  } else {
    w.fixed(as_bytes(p.sname), kSnameSize);
    w.fixed(as_bytes(p.file), kFileSize);
  }
  if (!plain_bootp) {
    w.bytes(kMagicCookie);
    Bytes prefix;
    if (overload != 0) prefix = {code_value(OptionCode::Overload), 1, overload};
    // 53 and 54 stay in front of 52: old ROMs look for the message type first.
    Bytes head;
    std::size_t leading = 0;
    for (const auto i : areas[0].members) {
      if (options[i].code != OptionCode::MessageType && options[i].code != OptionCode::ServerIdentifier) break;
      head.insert(head.end(), options[i].wire.begin(), options[i].wire.end());
      ++leading;
    }
    out.insert(out.end(), head.begin(), head.end());
    Area rest = areas[0];
    rest.members.erase(rest.members.begin(), rest.members.begin() + static_cast<std::ptrdiff_t>(leading));
    write_area(out, options, rest, prefix);
  }
  if (out.size() < kMinPacketSize) w.zeros(kMinPacketSize - out.size());
  return out;
}

std::size_t max_reply_size(const DhcpPacket& request) {
  const std::size_t asked = request.options.get_u16(OptionCode::MaxMessageSize).value_or(0);
  return std::max(asked, kMinMaxMessageSize) - kIpUdpHeaderSize;
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
