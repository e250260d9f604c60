#pragma once
// [mac] and [uuid] access lists: entries are allow/block booleans, keys may be prefixes.
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "core/mac_address.hpp"
#include "core/uuid.hpp"

namespace netboot::acl {

/// Where the access steps write the lines that are not drops (allowed clients, answers of
/// the authorization server); the composition root points it at a logger. Drops are logged
/// by the DHCP service from Exchange::drop_reason.
using AccessLog = std::function<void(std::string_view message)>;

/// Three outcomes, not a bool (pybootd's check_acl returned True/False/None).
enum class Access { Allowed, Denied, Unlisted };
std::string_view to_string(Access access) noexcept;

template <class Prefix>
struct Decision {
  Access access = Access::Unlisted;
  const config::AccessRule<Prefix>* rule = nullptr;  // the entry that decided, for the log line
};

/// The most specific entry decides: an exact entry wins over prefixes, a longer prefix over
/// a shorter one; between entries of equal length that disagree, blocking wins.
template <class Prefix>
class PrefixAccessList {
 public:
  explicit PrefixAccessList(std::vector<config::AccessRule<Prefix>> rules) : rules_(std::move(rules)) {}

  template <class Id>
  [[nodiscard]] Decision<Prefix> check(const Id& id) const {
    Decision<Prefix> best;
    for (const auto& rule : rules_) {
      if (!rule.key.matches(id)) continue;
      const bool more_specific = best.rule == nullptr || rule.key.bits > best.rule->key.bits;
      const bool same_and_blocks = best.rule != nullptr && rule.key.bits == best.rule->key.bits && !rule.allow;
      if (more_specific || same_and_blocks) best = {rule.allow ? Access::Allowed : Access::Denied, &rule};
    }
    return best;
  }
  /// One identity written two ways (a UUID in netbootd's and in pybootd's byte order): an
  /// entry matching either counts, the same specificity rules choose among them.
  /// `by_second_only` says whether the deciding entry matched only `second`.
  template <class Id>
  [[nodiscard]] Decision<Prefix> check_either(const Id& first, const Id& second, bool& by_second_only) const {
    Decision<Prefix> best;
    by_second_only = false;
    for (const auto& rule : rules_) {
      const bool first_matches = rule.key.matches(first);
      if (!first_matches && !rule.key.matches(second)) continue;
      const bool more_specific = best.rule == nullptr || rule.key.bits > best.rule->key.bits;
      const bool same_and_blocks = best.rule != nullptr && rule.key.bits == best.rule->key.bits && !rule.allow;
      if (more_specific || same_and_blocks) {
        best = {rule.allow ? Access::Allowed : Access::Denied, &rule};
        by_second_only = !first_matches;
      }
    }
    return best;
  }
  [[nodiscard]] bool empty() const { return rules_.empty(); }

 private:
  std::vector<config::AccessRule<Prefix>> rules_;
};

using MacAccessList = PrefixAccessList<MacPrefix>;
using UuidAccessList = PrefixAccessList<UuidPrefix>;

}  // namespace netboot::acl
