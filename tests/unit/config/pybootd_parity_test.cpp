// Files written for pybootd 1.8 (its logger_factory, its uuid/uuidmask ACL form, Python's
// ConfigParser [DEFAULT], its httpd check_ip default) load as pybootd read them.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "config/load_config.hpp"

namespace netboot::config {
namespace {

namespace fs = std::filesystem;

const NetworkInterface kInterfaces[] = {
    {"eth0", 2, *Ipv4Address::parse("192.168.1.1"), *Ipv4Address::parse("255.255.255.0"), 1500, true, false},
};

const std::string kMinimal = "[bootp]\npool_start = 192.168.1.100\n";

struct Loaded {
  Result<LoadedConfig> result;
  [[nodiscard]] const Config& config() const { return result->config; }
  [[nodiscard]] const std::vector<std::string>& warnings() const { return result->warnings; }
  [[nodiscard]] std::string error() const { return result ? std::string() : result.error().detail; }
};

Loaded load_text(const std::string& text, LoadOptions options = {}) {
  const auto dir = fs::temp_directory_path() / ("netbootd-parity-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const auto file = dir / "pybootd.ini";
  std::ofstream(file) << text;
  fs::create_directories(dir / "tftpboot");
  // The host's /srv/tftp may or may not exist: tests name their own default root.
  if (options.default_root == kDefaultRoot) options.default_root = dir / "tftpboot";
  Loaded loaded{load_config(file, options, kInterfaces)};
  fs::remove_all(dir);
  return loaded;
}

bool has_warning(const Loaded& loaded, const std::string& text) {
  for (const auto& w : loaded.warnings())
    if (w.find(text) != std::string::npos) return true;
  return false;
}

TEST(PybootdLogger, TypesMapToTheirNearestSink) {
  struct Case {
    const char* type;
    LogSink sink;
    bool warns;
  };
  const Case cases[] = {
      {"stderr", LogSink::Stderr, false}, {"stdout", LogSink::Stdout, false}, {"STDOUT", LogSink::Stdout, false},
      {"syslog", LogSink::Syslog, false}, {"unix", LogSink::Syslog, false},   {"none", LogSink::None, false},
      {"winlog", LogSink::Syslog, true},  {"eventlog", LogSink::Syslog, true}, {"nteventlog", LogSink::Syslog, true},
      {"journald", LogSink::Stderr, true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.type);
    const auto loaded = load_text(std::string("[logger]\ntype = ") + c.type + "\n" + kMinimal);
    ASSERT_TRUE(loaded.result) << loaded.error();
    EXPECT_EQ(loaded.config().logger.type, c.sink);
    EXPECT_EQ(has_warning(loaded, "pybootd.ini:2: [logger] type: '"), c.warns);
  }
}

TEST(PybootdLogger, LevelAllIsDebugAndAnUnknownLevelIsWarning) {
  struct Case {
    const char* level;
    LogLevel expected;
    bool warns;
  };
  const Case cases[] = {{"all", LogLevel::Debug, false},      {"ALL", LogLevel::Debug, false},
                        {"debug", LogLevel::Debug, false},    {"info", LogLevel::Info, false},
                        {"warning", LogLevel::Warning, false}, {"error", LogLevel::Error, false},
                        {"critical", LogLevel::Critical, false}, {"verbose", LogLevel::Warning, true}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.level);
    const auto loaded = load_text(std::string("[logger]\ntype = stdout\nlevel = ") + c.level + "\n" + kMinimal);
    ASSERT_TRUE(loaded.result) << loaded.error();
    EXPECT_EQ(loaded.config().logger.level, c.expected);
    EXPECT_EQ(has_warning(loaded, "pybootd.ini:3: [logger] level: 'verbose' is not a log level"), c.warns);
  }
}

TEST(PybootdUuidList, AcceptsPybootdUuidSlashMaskBesideThePrefixForm) {
  const auto loaded = load_text(kMinimal + "access = uuid\n[uuid]\n"
                                           "12345678-abcd-ef00-1111-abcdefabcdef = enable\n"
                                           "12345678-abcd-0000-0000-000000000000/ffffffff-ffff-0000-0000-000000000000 = yes\n"
                                           "87654321-0000-0000-0000-00000000beef/ff0000ff-0000-0000-0000-00000000ffff = no\n"
                                           "aabbccdd/32 = yes\n");
  ASSERT_TRUE(loaded.result) << loaded.error();
  const auto& rules = loaded.config().access_lists.uuid;
  ASSERT_EQ(rules.size(), 4u);
  EXPECT_TRUE(rules[0].key.is_exact());
  // A prefix mask is a prefix, whichever way it was written.
  EXPECT_EQ(rules[1].key, UuidPrefix::parse("12345678-abcd/48"));
  EXPECT_EQ(rules[1].key.to_string(), "12345678-abcd-0000-0000-000000000000/48");
  EXPECT_TRUE(rules[1].key.matches(*Uuid::parse("12345678-abcd-1234-5678-9abcdef01234")));
  EXPECT_FALSE(rules[1].key.matches(*Uuid::parse("12345678-abce-1234-5678-9abcdef01234")));
  // Any other mask: the bits it sets must be equal, the others are free (pybootd's check_acl).
  const auto& sparse = rules[2].key;
  EXPECT_EQ(sparse.bits, 32);
  EXPECT_TRUE(sparse.matches(*Uuid::parse("87aaaa21-1111-2222-3333-44444444beef")));
  EXPECT_FALSE(sparse.matches(*Uuid::parse("88aaaa21-1111-2222-3333-44444444beef")));
  EXPECT_FALSE(sparse.matches(*Uuid::parse("87aaaa21-1111-2222-3333-44444444beee")));
  EXPECT_EQ(sparse.to_string(), "87000021-0000-0000-0000-00000000beef/ff0000ff-0000-0000-0000-00000000ffff");
  EXPECT_FALSE(rules[2].allow);
  EXPECT_EQ(rules[3].key.bits, 32);
  // The printed form reads back as the same entry (--check-config output is a valid file).
  for (const auto& rule : rules) EXPECT_EQ(UuidPrefix::parse(rule.key.to_string()), rule.key) << rule.key.to_string();
}

TEST(PybootdUuidList, ABadMaskIsAnErrorWithItsLine) {
  const auto loaded = load_text(kMinimal + "[uuid]\n12345678-abcd-ef00-1111-abcdefabcdef/ffff-zz = yes\n");
  ASSERT_FALSE(loaded.result);
  EXPECT_NE(loaded.error().find("pybootd.ini:4: [uuid] 12345678-abcd-ef00-1111-abcdefabcdef/ffff-zz: not a UUID"),
            std::string::npos)
      << loaded.error();
}

TEST(PybootdDefaultSection, ItsKeysReachEverySectionThatDoesNotSetThem) {
  const auto loaded = load_text("[DEFAULT]\ntimeout = 7\nport = 6969\n\n" + kMinimal +
                                "[tftp]\ntimeout = 3\n[http]\nlocation = auth:1\n[httpd]\nroot = /tmp\n");
  ASSERT_TRUE(loaded.result) << loaded.error();
  const Config& c = loaded.config();
  EXPECT_DOUBLE_EQ(c.tftp.timeout, 3.0);         // the section's own value wins
  EXPECT_DOUBLE_EQ(c.http_access.timeout, 7.0);  // [http] and [bootp] timeout inherit 7
  EXPECT_EQ(c.dhcp.port, 6969);                  // every section present gets port = 6969
  EXPECT_EQ(c.tftp.port, 6969);
  EXPECT_EQ(c.httpd.port, 6969);
  // [DEFAULT] is no section of its own, and inherited keys no section knows are not warned about.
  EXPECT_FALSE(has_warning(loaded, "unknown section")) << loaded.warnings().front();
  EXPECT_FALSE(has_warning(loaded, "unknown key"));
  // A section that is not in the file gets nothing: pybootd's defaults stand.
  EXPECT_EQ(load_text("[DEFAULT]\nport = 6969\n" + kMinimal).config().tftp.port, 69);
}

TEST(PybootdDefaultSection, ListSectionsDoNotTurnItsKeysIntoEntries) {
  const auto loaded = load_text("[DEFAULT]\nroot = /tmp\n" + kMinimal +
                                "access = mac\n[mac]\n00-1E-4F-C4-95-EE = yes\n[filters]\na = b\n[tftp]\n");
  ASSERT_TRUE(loaded.result) << loaded.error();
  EXPECT_EQ(loaded.config().access_lists.mac.size(), 1u);
  EXPECT_EQ(loaded.config().tftp.filters.size(), 1u);
  EXPECT_EQ(loaded.config().tftp.root_dir, fs::path("/tmp"));
  EXPECT_TRUE(has_warning(loaded, "pybootd.ini:2: [DEFAULT] root: not applied to [mac]"));
  EXPECT_TRUE(has_warning(loaded, "pybootd.ini:2: [DEFAULT] root: not applied to [filters]"));
}

TEST(PybootdDefaultSection, ABadInheritedValueNamesTheDefaultLine) {
  const auto loaded = load_text("[DEFAULT]\nport = http\n" + kMinimal);
  ASSERT_FALSE(loaded.result);
  EXPECT_NE(loaded.error().find("pybootd.ini:2: [DEFAULT] port (as [bootp] port): 'http' is not a whole number"),
            std::string::npos)
      << loaded.error();
}

TEST(PybootdHttpd, CheckIpDefaultsToYesWithTheDhcpService) {
  EXPECT_TRUE(load_text(kMinimal + "[httpd]\nroot = /tmp\n").config().httpd.check_ip);
  EXPECT_FALSE(load_text(kMinimal + "[httpd]\nroot = /tmp\ncheck_ip = no\n").config().httpd.check_ip);
  // Without DHCP there are no leases to check: pybootd did not check either.
  LoadOptions tftp_only;
  tftp_only.services = {false, true, true};
  tftp_only.services_from_cli = true;
  EXPECT_FALSE(load_text("[httpd]\nroot = /tmp\n[tftp]\nroot = /tmp\n", tftp_only).config().httpd.check_ip);
  EXPECT_TRUE(load_text("[httpd]\nroot = /tmp\ncheck_ip = yes\n[tftp]\nroot = /tmp\n", tftp_only).config().httpd.check_ip);
}

TEST(PybootdHttpAccess, QueryFormKey) {
  EXPECT_EQ(load_text(kMinimal).config().http_access.query_form, AccessQueryForm::Readme);
  EXPECT_EQ(load_text(kMinimal + "[http]\nquery_form = pybootd-1.8\n").config().http_access.query_form,
            AccessQueryForm::Pybootd18);
  const auto bad = load_text(kMinimal + "[http]\nquery_form = 1.9\n");
  ASSERT_FALSE(bad.result);
  EXPECT_NE(bad.error().find("pybootd.ini:4: [http] query_form: '1.9' is not a query form"), std::string::npos)
      << bad.error();
}

}  // namespace
}  // namespace netboot::config
