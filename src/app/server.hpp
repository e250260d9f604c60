#pragma once
// The composition root: builds every service from the typed configuration and owns
// their lifetimes. Nothing else constructs services; there are no globals.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <asio.hpp>

#include "app/logging.hpp"
#include "config/config.hpp"
#include "core/result.hpp"
#include "core/service.hpp"
#include "dhcp/pipeline/make_pipeline.hpp"
#include "dhcp/pipeline/pipeline.hpp"

namespace netboot::app {

class Server {
 public:
  Server(asio::io_context& io, const config::Config& config, const Logging& logging);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  Result<void> start();
  void stop();
  [[nodiscard]] std::string describe() const;

  /// Reload (app/reload): the reloadable policy of `policy` ([mac], [uuid], [http], [bootfile],
  /// [static_dhcp], [buggy_clients], [filters]) applies to the next request. `policy` is the
  /// running configuration with those parts replaced (plan_reload()); what else differs from
  /// the configuration the services were built with is ignored. On the loop thread.
  void apply_policy(const config::Config& policy);

 private:
  Result<void> build();
  dhcp::Pipeline make_dhcp_pipeline(const config::Config& policy);
  void build_status();
  dhcp::Pipeline make_boot_server_pipeline(const config::Config& policy);
  dhcp::AccessDependencies access_dependencies(const config::Config& policy);
  dhcp::BootPipelineDependencies boot_pipeline_dependencies(const config::Config& policy);
  std::optional<dhcp::BootProfileDependencies> boot_dependencies(const config::Config& policy);

  struct Parts;
  asio::io_context& io_;
  const config::Config& config_;
  std::shared_ptr<spdlog::logger> log_;
  std::unique_ptr<Parts> parts_;
  std::vector<Service*> services_;  // in start order; owned by parts_
  const Logging& logging_;
};

}  // namespace netboot::app
