// [profile NAME], [hosts], [boot_api] (issue 20): what loads, and every error with file:line.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "config/load_config.hpp"
#include "config/reload_plan.hpp"

namespace netboot::config {
namespace {

namespace fs = std::filesystem;

const NetworkInterface kInterfaces[] = {
    {"eth0", 2, *Ipv4Address::parse("192.168.1.1"), *Ipv4Address::parse("255.255.255.0"), 1500, true, false},
};

struct Loaded {
  Result<LoadedConfig> result;
  [[nodiscard]] const Config& config() const { return result->config; }
  [[nodiscard]] std::string error() const { return result ? std::string() : result.error().detail; }
};

Loaded load(const std::string& body) {
  static int counter = 0;
  const auto dir = fs::temp_directory_path() / ("netbootd-profiles-test-" + std::to_string(::getpid()) + "-" +
                                                std::to_string(counter++));
  fs::create_directories(dir / "tftpboot");
  std::ofstream(dir / "netbootd.ini") << "[bootp]\npool_start = 192.168.1.100\n[tftp]\nroot = tftpboot\n" << body;
  LoadOptions options;
  options.default_root = dir / "tftpboot";
  Loaded loaded{load_config(dir / "netbootd.ini", options, kInterfaces)};
  fs::remove_all(dir);
  return loaded;
}

const std::string kHttpd = "[httpd]\nenable = yes\n";

TEST(BootProfilesConfig, ProfilesHostsAndDefaultLoad) {
  const auto loaded = load(kHttpd +
                           "[profile Debian12]\n"
                           "kernel = debian/vmlinuz\n"
                           "initrd = debian/initrd.img; http://mirror.example/extra.cpio\n"
                           "cmdline = console=ttyS0 hostname={hostname} netbootd={server}\n"
                           "[profile rescue]\n"
                           "kernel = https://boot.example/{mac_hyphen}/vmlinuz\n"
                           "[hosts]\n"
                           "52:54:00:12:34:56 = rescue\n"
                           "52-54-00/24 = debian12\n"
                           "12345678-abcd/48 = rescue\n"
                           "default = debian12\n");
  ASSERT_TRUE(loaded.result) << loaded.error();
  const auto& boot = loaded.config().boot;
  ASSERT_EQ(boot.profiles.size(), 2U);
  EXPECT_EQ(boot.profiles[0].name, "debian12");
  EXPECT_EQ(boot.profiles[0].kernel, "debian/vmlinuz");
  EXPECT_EQ(boot.profiles[0].initrds, (std::vector<std::string>{"debian/initrd.img", "http://mirror.example/extra.cpio"}));
  EXPECT_EQ(boot.profiles[0].where.line, 7);
  ASSERT_EQ(boot.by_exact_mac.size(), 1U);  // exact MACs are looked up, prefixes scanned
  EXPECT_EQ(boot.by_exact_mac.at(*MacAddress::parse("52:54:00:12:34:56")), 1U);
  ASSERT_EQ(boot.by_mac.size(), 1U);
  EXPECT_EQ(boot.by_mac[0].profile, 0U);
  EXPECT_EQ(boot.by_mac[0].key.bits, 24);
  ASSERT_EQ(boot.by_uuid.size(), 1U);
  EXPECT_EQ(boot.by_uuid[0].key.bits, 48);
  ASSERT_TRUE(boot.fallback);
  EXPECT_EQ(*boot.fallback, 0U);
  EXPECT_FALSE(boot.api.enabled());
}

TEST(BootProfilesConfig, UnknownProfileNamesFileLineAndTheProfiles) {
  const auto loaded = load(kHttpd + "[profile a]\nkernel = k\n[hosts]\n52:54:00:12:34:56 = b\n");
  ASSERT_FALSE(loaded.result);
  EXPECT_NE(loaded.error().find("netbootd.ini:10: [hosts] 52:54:00:12:34:56: unknown profile 'b' (profiles: a)"),
            std::string::npos)
      << loaded.error();
}

TEST(BootProfilesConfig, MissingKernelIsAnErrorAtTheSection) {
  const auto loaded = load(kHttpd + "[profile a]\ncmdline = quiet\n");
  ASSERT_FALSE(loaded.result);
  EXPECT_NE(loaded.error().find("netbootd.ini:7: [profile a]: a profile needs a kernel"), std::string::npos)
      << loaded.error();
}

TEST(BootProfilesConfig, UnknownVariableInACmdline) {
  const auto loaded = load(kHttpd + "[profile a]\nkernel = k\ncmdline = ip={ip}\n");
  ASSERT_FALSE(loaded.result);
  EXPECT_NE(loaded.error().find("netbootd.ini:9: [profile a] cmdline: unknown variable {ip} (known: {mac}, "),
            std::string::npos)
      << loaded.error();
}

TEST(BootProfilesConfig, BadUrls) {
  for (const std::string& bad : {"ftp://host/k", "http:///k", "http:// host/k", "tftp://x/y", "c:k"}) {
    const auto loaded = load(kHttpd + "[profile a]\nkernel = " + bad + "\n");
    ASSERT_FALSE(loaded.result) << bad;
    EXPECT_NE(loaded.error().find("netbootd.ini:8: [profile a] kernel: "), std::string::npos) << loaded.error();
  }
  const auto initrd = load(kHttpd + "[profile a]\nkernel = k\ninitrd = ok gopher://x/y\n");
  ASSERT_FALSE(initrd.result);
  EXPECT_NE(initrd.error().find("netbootd.ini:9: [profile a] initrd: 'gopher://x/y': only http"), std::string::npos)
      << initrd.error();
}

TEST(BootProfilesConfig, NamesNeedTheHttpService) {
  const auto loaded = load("[profile a]\nkernel = vmlinuz\n");
  ASSERT_FALSE(loaded.result);
  EXPECT_NE(loaded.error().find("netbootd.ini:6: [profile a] kernel: 'vmlinuz' is a name on netbootd's HTTP service, which is off"),
            std::string::npos)
      << loaded.error();
  EXPECT_TRUE(load("[profile a]\nkernel = http://other.example/vmlinuz\n").result);
}

TEST(BootProfilesConfig, BadProfileNamesAndDuplicates) {
  EXPECT_NE(load(kHttpd + "[profile a b]\nkernel = k\n").error().find("netbootd.ini:7: [profile a b]: a profile name is"),
            std::string::npos);
  EXPECT_NE(load(kHttpd + "[profile a]\nkernel = k\n[profile A]\nkernel = k\n")
                .error()
                .find("netbootd.ini:9: [profile A]: profile 'a' is defined twice (first at line 7)"),
            std::string::npos);
}

TEST(BootProfilesConfig, BadHostKeys) {
  const auto loaded = load(kHttpd + "[profile a]\nkernel = k\n[hosts]\nnot-a-mac = a\n");
  ASSERT_FALSE(loaded.result);
  EXPECT_NE(loaded.error().find("netbootd.ini:10: [hosts] not-a-mac: not a MAC address"), std::string::npos)
      << loaded.error();
}

// Review (issue 20): "52-54-00-12-34-56" and "52-54-00-12/32" have a '-' at index 8, like a
// UUID's first group, and were read as a UUID (refused) or a UUID prefix (never matching).
TEST(BootProfilesConfig, HyphenatedMacsAreMacsNotUuids) {
  const auto loaded = load(kHttpd + "[profile a]\nkernel = k\n[hosts]\n52-54-00-12-34-56 = a\n52-54-00-12/32 = a\n"
                                    "12345678-abcd/48 = a\n");
  ASSERT_TRUE(loaded.result) << loaded.error();
  const auto& boot = loaded.config().boot;
  ASSERT_EQ(boot.by_exact_mac.size(), 1U);
  EXPECT_TRUE(boot.by_exact_mac.contains(*MacAddress::parse("52:54:00:12:34:56")));
  ASSERT_EQ(boot.by_mac.size(), 1U);
  ASSERT_EQ(boot.by_uuid.size(), 1U);
  EXPECT_TRUE(boot.by_mac[0].key.matches(*MacAddress::parse("52:54:00:12:99:01")));
  EXPECT_FALSE(boot.by_mac[0].key.matches(*MacAddress::parse("52:54:00:13:99:01")));
}

// Review (issue 20): "http://" and "http://:80" passed --check-config (every question then
// failed at run time), and --check-config printed the URL's password.
TEST(BootProfilesConfig, BootApiUrlNeedsAHostAndItsPasswordIsNeverShown) {
  for (const char* url : {"http://", "http://:80", "https://u:S3CRET@:80/api"}) {
    const auto loaded = load(std::string("[boot_api]\nurl = ") + url + "\n");
    ASSERT_FALSE(loaded.result) << url;
    EXPECT_NE(loaded.error().find("netbootd.ini:6: [boot_api] url:"), std::string::npos) << loaded.error();
    EXPECT_NE(loaded.error().find("no host"), std::string::npos) << loaded.error();
    EXPECT_EQ(loaded.error().find("S3CRET"), std::string::npos) << loaded.error();
  }
  EXPECT_EQ(load("[boot_api]\nurl = ftp://u:S3CRET@h/\n").error().find("S3CRET"), std::string::npos);
  const auto loaded = load("[boot_api]\nurl = http://netbootd:S3CRET@127.0.0.1:9999/api\n");
  ASSERT_TRUE(loaded.result) << loaded.error();
  EXPECT_EQ(loaded.config().boot.api.url, "http://netbootd:S3CRET@127.0.0.1:9999/api");  // libcurl needs it
  const auto text = format_config(loaded.config());
  EXPECT_EQ(text.find("S3CRET"), std::string::npos) << text;
  EXPECT_NE(text.find("url = http://netbootd:***@127.0.0.1:9999/api\n"), std::string::npos) << text;
}

// Review (issue 20): "[profile]" (no name) and "[profiles a]" were "unknown section, ignored"
// warnings: the profile silently did not exist.
TEST(BootProfilesConfig, AProfileSectionWithoutANameIsAnError) {
  for (const char* header : {"[profile]", "[profiles a]", "[Profile-a]"}) {
    const auto loaded = load(kHttpd + header + "\nkernel = k\n");
    ASSERT_FALSE(loaded.result) << header;
    EXPECT_NE(loaded.error().find(std::string("netbootd.ini:7: ") + header + ": not a profile section"), std::string::npos)
        << loaded.error();
  }
}

TEST(BootProfilesConfig, BootApi) {
  const auto loaded = load("[boot_api]\nurl = http://127.0.0.1:9999/api/\ntimeout = 0.5\ncache = 10\nmax_answer_bytes = 4096\n");
  ASSERT_TRUE(loaded.result) << loaded.error();
  const auto& api = loaded.config().boot.api;
  EXPECT_EQ(api.url, "http://127.0.0.1:9999/api");
  EXPECT_DOUBLE_EQ(api.timeout, 0.5);
  EXPECT_EQ(api.cache_seconds, 10U);
  EXPECT_EQ(api.max_answer_bytes, 4096U);
  EXPECT_NE(load("[boot_api]\nurl = file:///etc/passwd\n").error().find("netbootd.ini:6: [boot_api] url: 'file:///etc/passwd': only http"),
            std::string::npos);
  EXPECT_NE(load("[boot_api]\ntimeout = 1\n").error().find("netbootd.ini:5: [boot_api]: needs a 'url'"),
            std::string::npos);
  EXPECT_NE(load(kHttpd + "[profile a]\nkernel = k\n[hosts]\ndefault = a\n[boot_api]\nurl = http://x\n")
                .error()
                .find("netbootd.ini:10: [hosts] default: a default profile and [boot_api] exclude each other"),
            std::string::npos);
}

TEST(BootProfilesConfig, ProfileKeyTypoIsCaught) {
  const auto loaded = load(kHttpd + "[profile a]\nkernel = k\ninitdr = i\n");
  ASSERT_FALSE(loaded.result);
  EXPECT_NE(loaded.error().find("netbootd.ini:9: [profile a] initdr: unknown key: did you mean 'initrd'?"),
            std::string::npos)
      << loaded.error();
}

}  // namespace
}  // namespace netboot::config

namespace netboot::config {
namespace {

IniFile ini_text(std::string_view text) {
  auto parsed = parse_ini_text(text, "netbootd.ini");
  EXPECT_TRUE(parsed.has_value());
  return parsed ? *parsed : IniFile{};
}

TEST(BootProfilesReload, ProfilesAndHostsReloadTheBootApiNeedsARestart) {
  EXPECT_TRUE(reloadable("profile debian12", "kernel"));
  EXPECT_TRUE(reloadable("Hosts", "52-54-00-12-34-56"));
  EXPECT_FALSE(reloadable("boot_api", "url"));
  EXPECT_FALSE(reloadable("profiles", "x"));
  Config running;
  running.boot.api.url = "http://old";
  Config next;
  next.boot.profiles.push_back({"a", "k", {}, "", {}});
  next.boot.by_mac.push_back({*MacPrefix::parse("52-54-00/24"), 0, {}});
  next.boot.api.url = "http://new";
  const auto start = ini_text("[boot_api]\nurl = http://old\n");
  const auto file = ini_text("[profile a]\nkernel = k\n[hosts]\n52-54-00/24 = a\n[boot_api]\nurl = http://new\n");
  const auto plan = plan_reload(start, start, running, file, next);
  ASSERT_EQ(plan.config.boot.profiles.size(), 1U);
  EXPECT_EQ(plan.config.boot.by_mac.size(), 1U);
  EXPECT_EQ(plan.config.boot.api.url, "http://old");
  ASSERT_EQ(plan.needs_restart.size(), 1U);
  EXPECT_NE(plan.needs_restart[0].find("[boot_api] url needs a restart"), std::string::npos) << plan.needs_restart[0];
}

}  // namespace
}  // namespace netboot::config
