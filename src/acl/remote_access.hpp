#pragma once
// Access delegated to an authorization server ([bootp] access = http): the question asked
// (URL), the answer (RemoteDecision) and the seam to whatever performs the HTTP request
// (net/access_checker with libcurl; a fake in the tests).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "acl/http_reply.hpp"
#include "config/config.hpp"
#include "core/ipv4_address.hpp"
#include "core/mac_address.hpp"
#include "core/uuid.hpp"

namespace netboot::acl {

/// Who asks, as the query string carries it.
struct AccessQuery {
  MacAddress mac;
  std::optional<Uuid> uuid;           // option 97, or remembered from the PXE phase
  std::optional<Ipv4Address> address; // the address the client already holds (OS phase)
  bool pxe = false;                   // PXE request: [http] pxe path, else [http] dhcp path
};

/// `<location><path>?mac=AA-BB-CC-DD-EE-FF[&uuid=XXXXXXXX-...][&ip=a.b.c.d]`: the MAC with
/// '-' and the UUID upper-case, as pybootd's README shows them; with query_form =
/// pybootd-1.8, `mac=AA%3ABB%3A...&uuid=xxxxxxxx-...` as pybootd 1.8's code sends them (the
/// UUID lower-case in option 97's byte order). Every value is hex, '-', '.' or an escaped
/// ':', so nothing else needs percent-encoding. A path that already has a query gets '&'.
[[nodiscard]] std::string access_url(const config::HttpAccessConfig& config, const AccessQuery& query);

/// Upper-case canonical text (pybootd prints UUIDs upper-case).
[[nodiscard]] std::string upper_uuid(const Uuid& uuid);

enum class RemoteVerdict : std::uint8_t {
  Granted,  // 200
  Refused,  // any other answer of the server (401, 403, 404, 3xx: we follow no redirect)
  Failed,   // no usable answer: timeout, refused connection, 5xx, oversized body. Denies too.
};
std::string_view to_string(RemoteVerdict verdict) noexcept;

struct RemoteDecision {
  RemoteVerdict verdict = RemoteVerdict::Failed;
  long status = 0;      // the HTTP status, 0 when none came
  std::string detail;   // for the log: "HTTP 401", "timeout after 5 s", "connection refused"
  AccessGrant grant;    // Granted only
  [[nodiscard]] bool granted() const { return verdict == RemoteVerdict::Granted; }
  /// Answers of the server hold for the boot phase; failures are not remembered, so the
  /// client's next request asks again.
  [[nodiscard]] bool cacheable() const { return verdict != RemoteVerdict::Failed; }
};

/// The decision for a complete HTTP answer: 200 grants (the body parsed), 5xx fails (the
/// server is in trouble, it did not decide), anything else refuses.
[[nodiscard]] RemoteDecision decide_from_answer(long status, std::string_view body);
/// No answer: denied, fail closed.
[[nodiscard]] RemoteDecision failed_check(std::string detail);

/// Performs the HTTP GET. `done` is called exactly once, on the event loop thread, never
/// from inside check() — unless the checker is shut down first, in which case never.
class AccessChecker {
 public:
  using Done = std::function<void(RemoteDecision)>;
  AccessChecker() = default;
  AccessChecker(const AccessChecker&) = delete;
  AccessChecker& operator=(const AccessChecker&) = delete;
  virtual ~AccessChecker() = default;
  virtual void check(std::string url, Done done) = 0;
};

}  // namespace netboot::acl
