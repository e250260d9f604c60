#pragma once
#include <optional>
#include <string>

#include "config/config.hpp"
#include "dhcp/pipeline/step.hpp"

namespace netboot::dhcp {

/// The URL an HTTPClient boots (UEFI 2.5+ "HTTP Boot"): `file` as is when it is an http(s)
/// URL, else http://<host>[:port]/<file percent-encoded> on netbootd's HTTP service (host: the
/// [httpd] address, or `reached` when it listens on every address). Nothing when it is a name
/// and there is no HTTP service, or when the URL does not fit the 127 bytes of the file field.
[[nodiscard]] std::optional<std::string> http_boot_url(std::string_view file,
                                                       const std::optional<config::HttpBootServer>& server,
                                                       Ipv4Address reached);

/// UEFI HTTP boot clients (option 60 "HTTPClient:Arch:NNNNN") get their boot file as a URL in
/// the file field. Which file: the one the remote access check assigned, else the [bootfile]
/// entry (a [subnet]'s own bootfile.* over it, for that subnet's clients) of the client's
/// architecture when that is an HTTP boot code (config::is_http_boot_arch;
/// never `default` or a PXE code: those name TFTP boot programs). An HTTPClient without one
/// gets no file: a leasing reply is then a plain lease (the firmware waits for another offer),
/// a proxy or boot-server reply is dropped. Runs after select-boot-file, whose choice it
/// replaces for these clients; everyone else passes untouched.
class SelectHttpBootUrl final : public Step {
 public:
  SelectHttpBootUrl(config::BootFileTable table, std::optional<config::HttpBootServer> server)
      : table_(std::move(table)), server_(server) {}
  [[nodiscard]] std::string_view name() const override { return "select-http-boot-url"; }
  Verdict apply(Exchange& ex) override;

 private:
  config::BootFileTable table_;
  std::optional<config::HttpBootServer> server_;
};

}  // namespace netboot::dhcp
