#include "dhcp/option_map.hpp"

#include <algorithm>

namespace netboot::dhcp {
namespace {

bool is_framing(OptionCode code) { return code == OptionCode::Pad || code == OptionCode::End; }


// Where `code` is, or would go: the entries are sorted by code.
template <class Entries>
auto position(Entries& entries, OptionCode code) {
  return std::lower_bound(entries.begin(), entries.end(), code,
                          [](const auto& entry, OptionCode wanted) { return entry.first < wanted; });
}

}  // namespace

const Bytes* OptionMap::find(OptionCode code) const {
  const auto it = position(options_, code);
  return it != options_.end() && it->first == code ? &it->second : nullptr;
}

Bytes& OptionMap::slot(OptionCode code) {
  if (options_.capacity() == 0) options_.reserve(16);  // before position(): it moves the entries
  auto it = position(options_, code);
  if (it == options_.end() || it->first != code) it = options_.emplace(it, code, Bytes{});
  return it->second;
}

void OptionMap::set(OptionCode code, Bytes value) {
  if (is_framing(code)) return;
  slot(code) = std::move(value);
}

void OptionMap::append(OptionCode code, ByteView value) {
  if (is_framing(code)) return;
  auto& stored = slot(code);
  stored.insert(stored.end(), value.begin(), value.end());
}

bool OptionMap::erase(OptionCode code) {
  const auto it = position(options_, code);
  if (it == options_.end() || it->first != code) return false;
  options_.erase(it);
  return true;
}

std::optional<std::uint8_t> OptionMap::get_u8(OptionCode code) const {
  const auto* v = find(code);
  if (v == nullptr || v->size() != 1) return std::nullopt;
  return (*v)[0];
}

std::optional<std::uint16_t> OptionMap::get_u16(OptionCode code) const {
  const auto* v = find(code);
  if (v == nullptr || v->size() != 2) return std::nullopt;
  return *ByteReader(*v).u16();
}

std::optional<std::uint32_t> OptionMap::get_u32(OptionCode code) const {
  const auto* v = find(code);
  if (v == nullptr || v->size() != 4) return std::nullopt;
  return *ByteReader(*v).u32();
}

std::optional<Ipv4Address> OptionMap::get_address(OptionCode code) const {
  const auto v = get_u32(code);
  if (!v) return std::nullopt;
  return Ipv4Address::from_host_order(*v);
}

std::optional<std::vector<Ipv4Address>> OptionMap::get_addresses(OptionCode code) const {
  const auto* v = find(code);
  if (v == nullptr || v->empty() || v->size() % 4 != 0) return std::nullopt;
  std::vector<Ipv4Address> out;
  out.reserve(v->size() / 4);
  ByteReader reader(*v);
  while (!reader.at_end()) out.push_back(Ipv4Address::from_host_order(*reader.u32()));
  return out;
}

std::optional<std::string> OptionMap::get_string(OptionCode code) const {
  const auto* v = find(code);
  if (v == nullptr) return std::nullopt;
  std::string_view text = as_text(*v);
  while (!text.empty() && text.back() == '\0') text.remove_suffix(1);
  return std::string(text);
}

std::vector<OptionCode> OptionMap::get_codes(OptionCode code) const {
  std::vector<OptionCode> out;
  if (const auto* v = find(code))
    for (const auto byte : *v) out.push_back(OptionCode{byte});
  return out;
}

void OptionMap::set_u8(OptionCode code, std::uint8_t value) { set(code, Bytes{value}); }

void OptionMap::set_u16(OptionCode code, std::uint16_t value) {
  Bytes out;
  ByteWriter(out).u16(value);
  set(code, std::move(out));
}

void OptionMap::set_u32(OptionCode code, std::uint32_t value) {
  Bytes out;
  ByteWriter(out).u32(value);
  set(code, std::move(out));
}

void OptionMap::set_address(OptionCode code, Ipv4Address value) { set_u32(code, value.to_host_order()); }

void OptionMap::set_addresses(OptionCode code, const std::vector<Ipv4Address>& values) {
  if (values.empty()) {
    erase(code);
    return;
  }
  Bytes out;
  ByteWriter writer(out);
  for (const auto& a : values) writer.u32(a.to_host_order());
  set(code, std::move(out));
}

void OptionMap::set_string(OptionCode code, std::string_view value) {
  const auto bytes = as_bytes(value);
  set(code, Bytes(bytes.begin(), bytes.end()));
}

bool requests_option(const OptionMap& options, OptionCode wanted) {
  const auto* list = options.find(OptionCode::ParameterRequestList);
  return list != nullptr && std::find(list->begin(), list->end(), code_value(wanted)) != list->end();
}

}  // namespace netboot::dhcp
