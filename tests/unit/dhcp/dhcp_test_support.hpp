#pragma once
// Helpers for the dhcp unit tests: hex text <-> bytes and a raw datagram builder that
// writes exactly the bytes a test wants (including broken ones), independent of the
// serializer under test.
#include <cctype>
#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/byte_reader.hpp"

namespace netboot::dhcp::test {

/// Hex digits, any whitespace between bytes; '#' starts a comment to the end of the line.
inline Bytes from_hex(std::string_view text) {
  Bytes out;
  int high = -1;
  bool comment = false;
  for (const char c : text) {
    if (comment) {
      if (c == '\n') comment = false;
      continue;
    }
    if (c == '#') {
      comment = true;
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c)) != 0) continue;
    const int v = std::isdigit(static_cast<unsigned char>(c)) != 0 ? c - '0'
                  : (c >= 'a' && c <= 'f')                         ? c - 'a' + 10
                  : (c >= 'A' && c <= 'F')                         ? c - 'A' + 10
                                                                   : -1;
    if (v < 0) throw std::invalid_argument(std::string("bad hex digit: ") + c);
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(high << 4 | v));
      high = -1;
    }
  }
  if (high >= 0) throw std::invalid_argument("odd number of hex digits");
  return out;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::string test_data(std::string_view relative) { return std::string(NETBOOT_TEST_DATA) + "/" + std::string(relative); }

/// A BOOTREQUEST fixed header (236 bytes) with chosen fields, MAC 52:54:00:12:34:56.
struct RawHeader {
  std::uint8_t op = 1;
  std::uint8_t htype = 1;
  std::uint8_t hlen = 6;
  std::uint32_t xid = 0x11223344;
  std::uint16_t flags = 0;
  std::uint32_t ciaddr = 0;
  std::uint32_t giaddr = 0;
  std::string sname_field = {};  // raw bytes of sname (up to 64)
  std::string file_field = {};   // raw bytes of file (up to 128)
};

inline Bytes raw_header(const RawHeader& h) {
  Bytes out;
  ByteWriter w(out);
  w.u8(h.op);
  w.u8(h.htype);
  w.u8(h.hlen);
  w.u8(0);
  w.u32(h.xid);
  w.u16(0);
  w.u16(h.flags);
  w.u32(h.ciaddr);
  w.u32(0);
  w.u32(0);
  w.u32(h.giaddr);
  const Bytes mac{0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
  w.fixed(mac, 16);
  w.fixed(as_bytes(h.sname_field), 64);
  w.fixed(as_bytes(h.file_field), 128);
  return out;
}

/// Header + magic cookie + `options` verbatim (no END added).
inline Bytes raw_packet(const RawHeader& h, const Bytes& options) {
  Bytes out = raw_header(h);
  out.insert(out.end(), {99, 130, 83, 99});
  out.insert(out.end(), options.begin(), options.end());
  return out;
}

inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

}  // namespace netboot::dhcp::test
