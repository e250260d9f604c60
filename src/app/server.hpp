#pragma once
// The composition root: builds every service from the typed configuration and owns
// their lifetimes. Nothing else constructs services; there are no globals.
#include <memory>
#include <string>
#include <vector>

#include <asio.hpp>

#include "app/logging.hpp"
#include "config/config.hpp"
#include "core/result.hpp"
#include "core/service.hpp"

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

 private:
  Result<void> build();

  struct Parts;
  asio::io_context& io_;
  const config::Config& config_;
  std::shared_ptr<spdlog::logger> log_;
  std::unique_ptr<Parts> parts_;
  std::vector<Service*> services_;  // in start order; owned by parts_
  const Logging& logging_;
};

}  // namespace netboot::app
