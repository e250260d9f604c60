#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "boot/boot_api.hpp"
#include "boot/machine_directory.hpp"
#include "config/config.hpp"
#include "core/log_limiter.hpp"
#include "dhcp/pipeline/step.hpp"

namespace netboot::dhcp {

/// Where the generated scripts are served: netbootd's HTTP service when it runs (the URL's
/// host is `http_address`, else the address the reply names as server), else TFTP.
struct ScriptLocation {
  bool http = false;
  Ipv4Address http_address;  // [httpd] address; unspecified: the reply's server address
  std::uint16_t http_port = 80;
};

/// The boot file of a machine with a boot profile (issue 20, [profile NAME], [hosts],
/// [boot_api]); runs after select-boot-file, for PXE and iPXE requests only.
/// - An iPXE client gets its generated script as boot file: "http://S:P/boot/<mac>.ipxe"
///   (or "boot/<mac>.ipxe" over TFTP without [httpd]); a firmware PXE client keeps
///   [bootfile]'s file, the iPXE binary that then asks again (firmware -> iPXE -> script).
/// - A machine no [hosts] entry names, with [boot_api]: the API is asked (the exchange
///   parks; other clients are served meanwhile). "boot" and "no boot" (404) answers are kept
///   [boot_api] cache seconds per MAC; a failure (timeout, error status, malformed or oversized
///   answer) only answers the request that waited for it. No boot and failures drop the
///   request: fail closed, as the HTTP access check. One question per MAC in flight, at most
///   `max_entries` MACs remembered (answers are forgotten first; past that, fail closed).
/// - A "file:" from the HTTP access check wins over all of this.
/// The UUID and the API's answer are written to the MachineDirectory for the script server.
/// Each answer is logged (the URL without its password); "failed" and "no boot" lines within
/// the services' budget (kLogBurst per kLogInterval, then "(N similar lines not logged)").
class SelectBootProfile final : public Step {
 public:
  using Resume = std::function<void(const MacAddress& mac, std::uint32_t xid)>;
  using WallClock = std::function<WallTime()>;
  using Log = std::function<void(const std::string& line)>;
  SelectBootProfile(config::BootProfiles profiles, ScriptLocation location, boot::MachineDirectory& directory,
                    boot::BootApi* api, Resume resume, WallClock clock, Log log = {}, std::size_t max_entries = 4096);
  [[nodiscard]] std::string_view name() const override { return "select-boot-profile"; }
  Verdict apply(Exchange& ex) override;
  [[nodiscard]] std::size_t cached() const { return entries_.size(); }

 private:
  struct Entry {
    std::uint64_t generation = 0;
    std::uint32_t xid = 0;                    // the request waiting for the question
    std::optional<boot::BootApiAnswer> answer;  // empty while in flight
    WallTime expires{};                       // Boot / NoBoot answers: kept until then
  };
  Verdict ask_api(Exchange& ex);
  Verdict use_answer(Exchange& ex, std::map<MacAddress, Entry>::iterator it);
  void on_answer(const MacAddress& mac, std::uint64_t generation, const std::string& url, boot::BootApiAnswer answer);
  Verdict boot_script(Exchange& ex, const std::optional<boot::BootSpec>& api_spec);
  bool make_room();

  config::BootProfiles profiles_;
  ScriptLocation location_;
  boot::MachineDirectory& directory_;
  boot::BootApi* api_;
  Resume resume_;
  WallClock clock_;
  Log log_;
  std::size_t max_entries_;
  std::map<MacAddress, Entry> entries_;
  std::uint64_t next_generation_ = 1;
  // "failed" and "no boot" answers are per-request refusals a flood of spoofed MACs can
  // cause one per datagram: they get the services' log budget (a "boot" line is a served one).
  LogLimiter log_limiter_{kLogBurst, kLogInterval};
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

/// The boot file an iPXE client gets for its script.
[[nodiscard]] std::string script_url(const ScriptLocation& location, Ipv4Address server, const MacAddress& mac);

}  // namespace netboot::dhcp
