// [status]: defaults, every key, and its typos reported like the other sections'.
#include <unistd.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "config/ini_file.hpp"
#include "config/load_config.hpp"

namespace netboot::config {
namespace {

namespace fs = std::filesystem;

const NetworkInterface kLan[] = {
    {"eth0", 2, *Ipv4Address::parse("192.168.1.1"), *Ipv4Address::parse("255.255.255.0"), 1500, true, false},
};

Result<LoadedConfig> load(const std::string& tail) {
  const auto root = fs::temp_directory_path() / ("netbootd-status-config-" + std::to_string(::getpid()));
  fs::create_directories(root);
  auto ini = parse_ini_text("[bootp]\npool_start = 192.168.1.100\n" + tail, "netbootd.ini");
  EXPECT_TRUE(ini);
  LoadOptions options;
  options.default_root = root;
  auto loaded = load_config(*ini, options, kLan);
  fs::remove_all(root);
  return loaded;
}

TEST(StatusConfig, OffAndOnLoopbackByDefault) {
  const auto loaded = load("");
  ASSERT_TRUE(loaded) << loaded.error().detail;
  const auto& s = loaded->config.status;
  EXPECT_FALSE(s.enabled);
  EXPECT_EQ(s.address, Ipv4Address::loopback());
  EXPECT_EQ(s.port, 9167);
  EXPECT_EQ(s.max_connections, 16u);
}

TEST(StatusConfig, EveryKey) {
  const auto loaded = load("[status]\nenable = yes\naddress = 192.168.1.1\nport = 9100\nmax_connections = 4\n");
  ASSERT_TRUE(loaded) << loaded.error().detail;
  const auto& s = loaded->config.status;
  EXPECT_TRUE(s.enabled);
  EXPECT_EQ(s.address.to_string(), "192.168.1.1");
  EXPECT_EQ(s.port, 9100);
  EXPECT_EQ(s.max_connections, 4u);
  EXPECT_TRUE(loaded->warnings.empty());
  EXPECT_NE(format_config(loaded->config).find("[status]\nenable = yes\naddress = 192.168.1.1\nport = 9100\n"),
            std::string::npos);
}

TEST(StatusConfig, HostnamesAreALowerCaseList) {
  const auto loaded = load("[status]\nhostnames = Boot.Example.org, , status.lan\n");
  ASSERT_TRUE(loaded) << loaded.error().detail;
  EXPECT_EQ(loaded->config.status.hostnames, (std::vector<std::string>{"boot.example.org", "status.lan"}));
  EXPECT_NE(format_config(loaded->config).find("hostnames = boot.example.org, status.lan\n"), std::string::npos);
  EXPECT_TRUE(load("")->config.status.hostnames.empty());
}

TEST(StatusConfig, TyposAndBadValuesStopWithTheirLine) {
  struct Case {
    std::string text, message;
  };
  for (const auto& c : std::vector<Case>{
           {"[stauts]\nenable = yes\n", "netbootd.ini:3: [stauts]: unknown section: did you mean [status]?"},
           {"[status]\nprot = 80\n", "netbootd.ini:4: [status] prot: unknown key: did you mean 'port'?"},
           {"[status]\nenabel = yes\n", "[status] enabel: unknown key: did you mean 'enable'?"},
           {"[status]\nport = http\n", "netbootd.ini:4: [status] port: 'http' is not a whole number"},
           {"[status]\naddress = localhost\n", "netbootd.ini:4: [status] address:"},
           {"[status]\nmax_connections = 0\n", "netbootd.ini:4: [status] max_connections:"},
           {"[status]\nhostnames = ok.example, bad/name\n", "netbootd.ini:4: [status] hostnames: 'bad/name' is not a host name"},
       }) {
    SCOPED_TRACE(c.text);
    const auto loaded = load(c.text);
    ASSERT_FALSE(loaded);
    EXPECT_NE(loaded.error().detail.find(c.message), std::string::npos) << loaded.error().detail;
  }
}

}  // namespace
}  // namespace netboot::config
