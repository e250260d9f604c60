#pragma once
// The boot API ([boot_api], pixiecore's API form): the question, the reading of the answer
// (pure) and the seam to whatever asks (net/boot_api_client with libcurl; fakes in tests).
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "boot/boot_spec.hpp"
#include "config/config.hpp"

namespace netboot::boot {

/// `<url>/v1/boot/52:54:00:12:34:56` (lower case, as pixiecore asks).
[[nodiscard]] std::string boot_api_url(const config::BootApiConfig& api, const MacAddress& mac);

enum class ApiOutcome : std::uint8_t {
  Boot,    // 200 with a usable JSON document: boot this
  NoBoot,  // 404: the API does not boot this machine
  Failed,  // anything else: no answer in time, an error status, malformed or oversized JSON
};
std::string_view to_string(ApiOutcome outcome) noexcept;

struct BootApiAnswer {
  ApiOutcome outcome = ApiOutcome::Failed;
  BootSpec spec;       // Boot only
  std::string detail;  // for the log: "HTTP 500", "malformed JSON: ...", "no answer within 2000 ms"
};

/// Bounds on what an answer may hold; anything past them fails the answer.
inline constexpr std::size_t kMaxApiUrlBytes = 2048;
inline constexpr std::size_t kMaxApiCmdlineBytes = 4096;
inline constexpr std::size_t kMaxApiInitrds = 16;
inline constexpr int kMaxApiJsonDepth = 8;

/// 200: {"kernel": "<url or name>", "initrd": ["<url or name>", ...], "cmdline": "..."}
/// (pixiecore's form; "initrd" may also be one string, and "cmdline" may be absent; other
/// fields are ignored). Kernel and initrds: http(s) URLs or names on netbootd's HTTP
/// service, without white space or control characters; cmdline without control characters.
/// 404 is NoBoot; any other status, or a body breaking a rule, Failed.
[[nodiscard]] BootApiAnswer read_boot_api_answer(long status, std::string_view body);
/// No answer at all (timeout, refused connection, oversized body): Failed, fail closed.
[[nodiscard]] BootApiAnswer failed_boot_api(std::string detail);

/// Performs the GET. `done` runs exactly once on the event loop, never inside ask() (unless
/// shut down first: then never).
class BootApi {
 public:
  using Done = std::function<void(BootApiAnswer)>;
  BootApi() = default;
  BootApi(const BootApi&) = delete;
  BootApi& operator=(const BootApi&) = delete;
  virtual ~BootApi() = default;
  virtual void ask(std::string url, Done done) = 0;
};

}  // namespace netboot::boot
