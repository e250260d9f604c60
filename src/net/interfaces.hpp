#pragma once
#include <vector>

#include "core/network_interface.hpp"

namespace netboot::net {

/// Every IPv4 address of every local interface (getifaddrs), with index and MTU.
std::vector<NetworkInterface> list_interfaces();

}  // namespace netboot::net
