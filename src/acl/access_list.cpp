#include "acl/access_list.hpp"

namespace netboot::acl {

std::string_view to_string(Access access) noexcept {
  switch (access) {
    case Access::Allowed: return "allowed";
    case Access::Denied: return "blocked";
    case Access::Unlisted: return "unlisted";
  }
  return "?";
}

}  // namespace netboot::acl
