#include "http/content_type.hpp"

#include <array>
#include <string>
#include <utility>

namespace netboot::http {

std::string_view content_type_for(std::string_view path) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 16> kTypes = {{
      {"ipxe", "text/plain"},
      {"cfg", "text/plain"},
      {"txt", "text/plain"},
      {"conf", "text/plain"},
      {"sh", "text/plain"},
      {"html", "text/html"},
      {"htm", "text/html"},
      {"json", "application/json"},
      {"xml", "application/xml"},
      {"iso", "application/x-iso9660-image"},
      {"img", "application/octet-stream"},
      {"efi", "application/efi"},
      {"gz", "application/gzip"},
      {"xz", "application/x-xz"},
      {"zst", "application/zstd"},
      {"tar", "application/x-tar"},
  }};
  const auto slash = path.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == name.size()) return "application/octet-stream";
  std::string ext(name.substr(dot + 1));
  for (char& c : ext)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  for (const auto& [key, type] : kTypes)
    if (key == ext) return type;
  return "application/octet-stream";
}

}  // namespace netboot::http
