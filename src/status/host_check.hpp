#pragma once
// DNS rebinding: a web page an operator opens can make its own name resolve to 127.0.0.1 and
// then read the status service from the operator's browser as "same origin". The browser
// still sends that name in Host, so the service answers only a Host that names it: an IPv4
// literal (the bound address, any when bound to 0.0.0.0), localhost, or a name in
// [status] hostnames. Pure.
#include <span>
#include <string>
#include <string_view>

#include "core/ipv4_address.hpp"

namespace netboot::status {

/// `host` is the Host field as sent (name or address, optional ":port"); `names` are lower case.
[[nodiscard]] bool host_accepted(std::string_view host, Ipv4Address bound, std::span<const std::string> names);

}  // namespace netboot::status
