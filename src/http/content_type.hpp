#pragma once
#include <string_view>

namespace netboot::http {

/// Media type by file extension (case-insensitive). Boot scripts and configs are text/plain
/// so that iPXE and browsers show them; anything unknown is application/octet-stream.
[[nodiscard]] std::string_view content_type_for(std::string_view path);

}  // namespace netboot::http
