#include "acl/remote_access.hpp"

#include <cctype>

#include <fmt/format.h>

namespace netboot::acl {

std::string upper_uuid(const Uuid& uuid) {
  std::string text = uuid.to_string();
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

std::string access_url(const config::HttpAccessConfig& config, const AccessQuery& query) {
  const std::string& path = query.pxe ? config.pxe_path : config.dhcp_path;
  std::string url = config.location + path;
  url += path.find('?') == std::string::npos ? '?' : '&';
  if (config.query_form == config::AccessQueryForm::Pybootd18) {
    // Python's urlencode of pybootd's "AA:BB:.." and str(UUID(bytes=option 97)).
    std::string mac = query.mac.to_string(':');
    for (std::size_t at = mac.find(':'); at != std::string::npos; at = mac.find(':', at)) mac.replace(at, 1, "%3A");
    url += "mac=" + mac;
    if (query.uuid) url += "&uuid=" + Uuid(query.uuid->to_smbios_bytes()).to_string();
  } else {
    url += "mac=" + query.mac.to_string('-');
    if (query.uuid) url += "&uuid=" + upper_uuid(*query.uuid);
  }
  if (query.address) url += "&ip=" + query.address->to_string();
  return url;
}

std::string_view to_string(RemoteVerdict verdict) noexcept {
  switch (verdict) {
    case RemoteVerdict::Granted: return "granted";
    case RemoteVerdict::Refused: return "refused";
    case RemoteVerdict::Failed: return "failed";
  }
  return "?";
}

RemoteDecision decide_from_answer(long status, std::string_view body) {
  RemoteDecision d;
  d.status = status;
  d.detail = fmt::format("HTTP {}", status);
  if (status == 200) {
    d.verdict = RemoteVerdict::Granted;
    d.grant = parse_access_reply(body);
  } else if (status >= 500 && status <= 599) {
    d.verdict = RemoteVerdict::Failed;
  } else {
    d.verdict = RemoteVerdict::Refused;
  }
  return d;
}

RemoteDecision failed_check(std::string detail) {
  RemoteDecision d;
  d.verdict = RemoteVerdict::Failed;
  d.detail = std::move(detail);
  return d;
}

}  // namespace netboot::acl
