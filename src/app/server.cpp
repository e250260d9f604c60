#include "app/server.hpp"

#include <fmt/format.h>

namespace netboot::app {

// Owns the lease store and the services; declared here so that server.hpp stays light.
struct Server::Parts {};

Server::Server(asio::io_context& io, const config::Config& config, const Logging& logging)
    : io_(io), config_(config), log_(logging.get("main")), parts_(std::make_unique<Parts>()) {}

Server::~Server() = default;

Result<void> Server::start() {
  for (Service* service : services_) {
    if (auto started = service->start(); !started) {
      stop();
      return started;
    }
  }
  return {};
}

void Server::stop() {
  for (auto it = services_.rbegin(); it != services_.rend(); ++it) (*it)->stop();
}

std::string Server::describe() const {
  std::string out;
  for (const Service* service : services_) out += (out.empty() ? "" : ", ") + service->describe();
  return out.empty() ? std::string("no service") : out;
}

}  // namespace netboot::app
