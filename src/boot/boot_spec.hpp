#pragma once
// What one machine boots through its generated iPXE script, and what is known about it
// when the script is made (issue 20, docs/configuration.md "Boot profiles").
#include <optional>
#include <string>
#include <vector>

#include "core/ipv4_address.hpp"
#include "core/mac_address.hpp"
#include "core/uuid.hpp"

namespace netboot::boot {

/// A kernel, its initrds and its command line. From a [profile] the values are templates
/// ({mac}, ...); from the boot API they are taken as they are (`templates` false).
struct BootSpec {
  std::string kernel;                // a name on netbootd's HTTP service or an http(s) URL
  std::vector<std::string> initrds;
  std::string cmdline;
  std::string source;                // "profile debian12" or "boot API", for the script's comment and the log
  bool templates = true;
  friend bool operator==(const BootSpec&, const BootSpec&) = default;
};

/// The values of the {variables}. `address`, `uuid` and `hostname` come from the network
/// (the lease, the packet): they are escaped when expanded, never trusted.
struct MachineFacts {
  MacAddress mac;
  std::optional<Ipv4Address> address;  // the machine's address (its lease, else where it asked from)
  std::optional<Uuid> uuid;            // option 97 (remembered in the lease or the directory)
  std::string hostname;                // the lease's host name ([http] "client:" answer), may be empty
  Ipv4Address server;                  // the address the machine reached netbootd on
  std::string http_base;               // "http://10.0.0.1:8080": netbootd's HTTP service as the machine reaches it
  std::string profile;                 // the profile's name ("" for the boot API)
};

}  // namespace netboot::boot
