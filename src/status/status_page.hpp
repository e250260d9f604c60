#pragma once
// The live page at GET /: plain HTML, CSS and a small script that polls /api/v1/machines.
// Embedded in the binary, no framework, no build step, nothing fetched from elsewhere
// (works offline). The script writes client-supplied text with textContent only.
#include <string_view>

namespace netboot::status {

[[nodiscard]] std::string_view status_page_html() noexcept;

}  // namespace netboot::status
