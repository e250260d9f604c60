#include "boot/boot_api.hpp"

#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/text.hpp"

namespace netboot::boot {

namespace {

// Nesting beyond a few levels is no answer of this API; refusing it before parsing keeps a
// hostile "[[[[..." away from the parser's and the destructor's recursion.
bool too_deep(std::string_view body) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : body) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth > kMaxApiJsonDepth) return true;
    } else if (c == ']' || c == '}') --depth;
  }
  return false;
}

bool has_control(std::string_view text) {
  for (const char c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  return false;
}

// An empty string when fine, else why not.
std::string location_problem(std::string_view value) {
  if (value.empty()) return "empty";
  if (value.size() > kMaxApiUrlBytes) return fmt::format("longer than {} bytes", kMaxApiUrlBytes);
  if (has_control(value) || value.find_first_of(" \t") != std::string_view::npos) return "white space or control characters";
  if (value.find("://") != std::string_view::npos && !istarts_with(value, "http://") && !istarts_with(value, "https://"))
    return "not an http(s) URL";
  return {};
}

// iPXE ends a command at a word that is "||", "&&" or ";", or that starts with '#' (exec.c):
// in a command line such a word would end the kernel line and run what follows.
std::optional<std::string> ipxe_control_word(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    std::size_t end = i;
    while (end < text.size() && text[end] != ' ' && text[end] != '\t') ++end;
    const auto word = text.substr(i, end - i);
    if (word == "||" || word == "&&" || word == ";" || (!word.empty() && word.front() == '#')) return std::string(word.substr(0, 16));
    i = end;
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(ApiOutcome outcome) noexcept {
  switch (outcome) {
    case ApiOutcome::Boot: return "boot";
    case ApiOutcome::NoBoot: return "no boot";
    case ApiOutcome::Failed: return "failed";
  }
  return "?";
}

std::string boot_api_url(const config::BootApiConfig& api, const MacAddress& mac) {
  return fmt::format("{}/v1/boot/{}", api.url, to_lower(mac.to_string(':')));
}

BootApiAnswer failed_boot_api(std::string detail) { return {ApiOutcome::Failed, {}, std::move(detail)}; }

BootApiAnswer read_boot_api_answer(long status, std::string_view body) {
  if (status == 404) return {ApiOutcome::NoBoot, {}, "HTTP 404"};
  if (status != 200) return failed_boot_api(fmt::format("HTTP {}", status));
  if (too_deep(body)) return failed_boot_api(fmt::format("malformed answer: JSON nested deeper than {}", kMaxApiJsonDepth));
  const auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded()) return failed_boot_api("malformed answer: not JSON");
  if (!json.is_object()) return failed_boot_api("malformed answer: not a JSON object");
  BootSpec spec;
  spec.source = "boot API";
  spec.templates = false;
  const auto kernel = json.find("kernel");
  if (kernel == json.end() || !kernel->is_string()) return failed_boot_api("malformed answer: no \"kernel\" string");
  spec.kernel = kernel->get<std::string>();
  if (auto problem = location_problem(spec.kernel); !problem.empty())
    return failed_boot_api("malformed answer: kernel: " + problem);
  if (const auto initrd = json.find("initrd"); initrd != json.end()) {
    if (initrd->is_string()) spec.initrds.push_back(initrd->get<std::string>());
    else if (initrd->is_array()) {
      if (initrd->size() > kMaxApiInitrds) return failed_boot_api(fmt::format("malformed answer: more than {} initrds", kMaxApiInitrds));
      for (const auto& item : *initrd) {
        if (!item.is_string()) return failed_boot_api("malformed answer: an initrd is not a string");
        spec.initrds.push_back(item.get<std::string>());
      }
    } else if (!initrd->is_null()) {
      return failed_boot_api("malformed answer: \"initrd\" is neither a string nor a list of strings");
    }
  }
  for (const auto& initrd : spec.initrds)
    if (auto problem = location_problem(initrd); !problem.empty()) return failed_boot_api("malformed answer: initrd: " + problem);
  if (const auto cmdline = json.find("cmdline"); cmdline != json.end() && !cmdline->is_null()) {
    if (!cmdline->is_string()) return failed_boot_api("malformed answer: \"cmdline\" is not a string");
    spec.cmdline = cmdline->get<std::string>();
    if (spec.cmdline.size() > kMaxApiCmdlineBytes)
      return failed_boot_api(fmt::format("malformed answer: cmdline longer than {} bytes", kMaxApiCmdlineBytes));
    if (has_control(spec.cmdline)) return failed_boot_api("malformed answer: cmdline has control characters");
    if (const auto word = ipxe_control_word(spec.cmdline))
      return failed_boot_api(fmt::format("malformed answer: cmdline word '{}' would end iPXE's kernel line", printable(*word)));
  }
  return {ApiOutcome::Boot, std::move(spec), "HTTP 200"};
}

}  // namespace netboot::boot
