#include "config/config.hpp"

#include <fmt/format.h>

namespace netboot::config {

std::string Location::to_string() const { return line > 0 ? fmt::format("{}:{}", file, line) : file; }

std::string_view to_string(LogSink sink) noexcept {
  switch (sink) {
    case LogSink::Stderr: return "stderr";
    case LogSink::Stdout: return "stdout";
    case LogSink::File: return "file";
    case LogSink::Syslog: return "syslog";
    case LogSink::None: return "none";
  }
  return "?";
}

std::string_view to_string(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::Critical: return "critical";
    case LogLevel::Error: return "error";
    case LogLevel::Warning: return "warning";
    case LogLevel::Info: return "info";
    case LogLevel::Debug: return "debug";
  }
  return "?";
}

std::string_view to_string(AccessMode mode) noexcept {
  switch (mode) {
    case AccessMode::None: return "none";
    case AccessMode::Mac: return "mac";
    case AccessMode::Uuid: return "uuid";
    case AccessMode::Http: return "http";
  }
  return "?";
}

std::string_view to_string(AccessQueryForm form) noexcept {
  switch (form) {
    case AccessQueryForm::Readme: return "readme";
    case AccessQueryForm::Pybootd18: return "pybootd-1.8";
  }
  return "?";
}

bool is_http_boot_arch(std::uint16_t arch) noexcept {
  switch (arch) {
    case 15: case 16: case 17: case 18: case 19: case 20: case 23: case 24:
    case 26: case 28: case 30: case 38: case 40: return true;
    default: return false;
  }
}

const std::string* BootFileTable::select(std::optional<std::uint16_t> arch, bool is_ipxe) const {
  const auto lookup = [arch](const std::map<std::uint16_t, std::string>& table) -> const std::string* {
    if (!arch) return nullptr;
    if (auto it = table.find(*arch); it != table.end()) return &it->second;
    // RFC 4578 lists 7 as "EFI BC" and 9 as "EFI x86-64", but firmwares use both for x86-64 UEFI.
    const std::uint16_t twin = *arch == 7 ? 9 : *arch == 9 ? 7 : *arch;
    if (twin != *arch)
      if (auto it = table.find(twin); it != table.end()) return &it->second;
    return nullptr;
  };
  if (is_ipxe) {
    if (const auto* file = lookup(ipxe_by_arch)) return file;
    if (ipxe_fallback) return &*ipxe_fallback;
  }
  if (const auto* file = lookup(by_arch)) return file;
  return fallback ? &*fallback : nullptr;
}

}  // namespace netboot::config
