#include "dhcp/pipeline/select_http_boot_url.hpp"

#include <fmt/format.h>

#include "core/text.hpp"
#include "core/url_text.hpp"

namespace netboot::dhcp {

namespace {

// DHCP's file field is 128 bytes; EDK2 reads it as a NUL-terminated string.
constexpr std::size_t kMaxUrlBytes = 127;

bool is_http_url(std::string_view text) {
  return istarts_with(text, "http://") || istarts_with(text, "https://");
}

}  // namespace

std::optional<std::string> http_boot_url(std::string_view file, const std::optional<config::HttpBootServer>& server,
                                         Ipv4Address reached) {
  std::string url;
  if (is_http_url(file)) {
    url = std::string(file);
  } else {
    if (!server) return std::nullopt;
    while (!file.empty() && file.front() == '/') file.remove_prefix(1);
    const auto host = server->address.value_or(reached);
    url = server->port == 80 ? fmt::format("http://{}/", host.to_string())
                             : fmt::format("http://{}:{}/", host.to_string(), server->port);
    url += url_path_escape(file);
  }
  if (url.size() > kMaxUrlBytes) return std::nullopt;
  return url;
}

Verdict SelectHttpBootUrl::apply(Exchange& ex) {
  if (!ex.builds_reply() || !ex.client.is_http_client) return Verdict::Continue;
  ex.reply.file.clear();
  const std::string* file = nullptr;
  if (ex.assigned_boot_file) {
    file = &*ex.assigned_boot_file;
  } else if (ex.client.arch && config::is_http_boot_arch(*ex.client.arch)) {
    // A [subnet]'s table is [bootfile] with its own bootfile.* over it (as in select-boot-file).
    const config::BootFileTable& table = ex.subnet != nullptr && !ex.subnet->primary() ? ex.subnet->boot_files : table_;
    if (const auto it = table.by_arch.find(*ex.client.arch); it != table.by_arch.end()) file = &it->second;
  }
  const bool leasing = ex.pxe_reply == PxeReply::Lease;
  const auto arch = ex.client.arch ? arch_name(*ex.client.arch) : std::string("unknown arch");
  if (file == nullptr || file->empty()) {
    if (leasing) return Verdict::Continue;
    return drop(ex, fmt::format("HTTP boot client ({}) and no [bootfile] URL for it", arch));
  }
  auto url = http_boot_url(*file, server_, ex.server_address);
  if (!url) {
    const auto why = is_http_url(*file) || server_ ? "its URL is longer than the 127-byte file field"
                                                    : "a file name, and the HTTP service is off";
    if (leasing) {
      ex.notes.push_back(fmt::format("no boot file for the HTTP boot client: '{}' is {}", printable(*file), why));
      return Verdict::Continue;
    }
    return drop(ex, fmt::format("HTTP boot client: '{}' is {}", printable(*file), why));
  }
  ex.reply.file = std::move(*url);
  return Verdict::Continue;
}

}  // namespace netboot::dhcp
