#include "boot/ipxe_script.hpp"

#include <array>

#include <fmt/format.h>

#include "config/config.hpp"
#include "core/text.hpp"
#include "core/text_template.hpp"

namespace netboot::boot {

namespace {

bool inert(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == ':' || c == '-';
}

std::string variable_value(std::string_view name, const MachineFacts& facts) {
  if (name == "mac") return to_lower(facts.mac.to_string(':'));
  if (name == "mac_hyphen") return to_lower(facts.mac.to_string('-'));
  if (name == "address") return facts.address ? facts.address->to_string() : std::string();
  if (name == "uuid") return facts.uuid ? facts.uuid->to_string() : std::string();
  if (name == "hostname") return facts.hostname;
  if (name == "server") return facts.server.to_string();
  if (name == "profile") return facts.profile;
  return {};
}

bool has_control(std::string_view text) {
  for (const char c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  return false;
}

}  // namespace

std::string escape_value(std::string_view value) {
  value = value.substr(0, std::min(value.size(), kMaxValueBytes));
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (inert(c)) out.push_back(c);
    else out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
  }
  return out;
}

Result<std::string> expand_template(std::string_view text, const MachineFacts& facts) {
  auto pieces = parse_template(text, config::kBootTemplateVariables);
  if (!pieces) return fail(pieces.error().code, pieces.error().detail);
  std::string out;
  for (const auto& piece : *pieces) {
    if (!piece.variable) out += piece.text;
    else if (piece.text == "http_base") out += facts.http_base;
    else out += escape_value(variable_value(piece.text, facts));
  }
  return out;
}

std::string location_url(std::string_view value, const MachineFacts& facts) {
  if (istarts_with(value, "http://") || istarts_with(value, "https://")) return std::string(value);
  while (!value.empty() && value.front() == '/') value.remove_prefix(1);
  std::string out = facts.http_base + "/";
  for (const char c : value) {
    if (inert(c) || c == '/' || c == '~' || c == '+' || c == '%') out.push_back(c);
    else out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
  }
  return out;
}

Result<std::string> render_ipxe_script(const BootSpec& spec, const MachineFacts& facts) {
  const auto value = [&](std::string_view text) -> Result<std::string> {
    if (!spec.templates) return std::string(text);
    return expand_template(text, facts);
  };
  const auto url = [&](std::string_view text) -> Result<std::string> {
    auto expanded = value(text);
    if (!expanded) return expanded;
    if (expanded->empty() || has_control(*expanded) || expanded->find_first_of(" \t") != std::string::npos)
      return fail(Errc::BadValue, fmt::format("'{}' is not a usable URL or name", printable(*expanded)));
    const bool absolute = istarts_with(*expanded, "http://") || istarts_with(*expanded, "https://");
    if (!absolute && facts.http_base.empty())
      return fail(Errc::BadValue, fmt::format("'{}' is a name on netbootd's HTTP service, which is off", printable(*expanded)));
    return location_url(*expanded, facts);
  };
  auto kernel = url(spec.kernel);
  if (!kernel) return fail(kernel.error().code, "kernel: " + kernel.error().detail);
  auto cmdline = value(spec.cmdline);
  if (!cmdline) return fail(cmdline.error().code, "cmdline: " + cmdline.error().detail);
  if (has_control(*cmdline)) return fail(Errc::BadValue, "cmdline: control characters");
  std::string script = "#!ipxe\n";
  script += fmt::format("# netbootd: {} for {}\n", spec.source, to_lower(facts.mac.to_string(':')));
  std::string args;
  std::string initrds;
  for (std::size_t i = 0; i < spec.initrds.size(); ++i) {
    auto initrd = url(spec.initrds[i]);
    if (!initrd) return fail(initrd.error().code, "initrd: " + initrd.error().detail);
    args += fmt::format(" initrd=initrd{}", i);
    initrds += fmt::format("initrd --name initrd{} {}\n", i, *initrd);
  }
  if (!cmdline->empty()) args += " " + *cmdline;
  script += fmt::format("kernel --name kernel {}{}\n", *kernel, args);
  script += initrds;
  script += "boot kernel\n";
  return script;
}

std::string script_path(const MacAddress& mac) { return fmt::format("boot/{}.ipxe", to_lower(mac.to_string('-'))); }

std::optional<MacAddress> script_path_mac(std::string_view path) {
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  constexpr std::string_view kPrefix = "boot/";
  constexpr std::string_view kSuffix = ".ipxe";
  if (path.size() != kPrefix.size() + 17 + kSuffix.size() || !istarts_with(path, kPrefix) ||
      !iequals(path.substr(path.size() - kSuffix.size()), kSuffix))
    return std::nullopt;
  const auto text = path.substr(kPrefix.size(), 17);
  for (std::size_t i = 2; i < text.size(); i += 3)
    if (text[i] != '-' && text[i] != ':') return std::nullopt;
  return MacAddress::parse(text);
}

}  // namespace netboot::boot
