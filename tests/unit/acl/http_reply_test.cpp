#include <gtest/gtest.h>

#include "acl/http_reply.hpp"
#include "acl/remote_access.hpp"

namespace netboot::acl {
namespace {

TEST(ParseAccessReply, ReadsClientAndFileLines) {
  struct Case {
    const char* name;
    std::string body;
    std::optional<std::string> hostname;
    std::optional<std::string> file;
    std::size_t ignored;
  };
  const Case cases[] = {
      {"empty body", "", std::nullopt, std::nullopt, 0},
      {"both, LF", "client: node-7\nfile: pxelinux.0\n", "node-7", "pxelinux.0", 0},
      {"both, CRLF, no final newline", "client: node-7\r\nfile: boot/x.efi", "node-7", "boot/x.efi", 0},
      {"keys in any case, blanks around", "  CLIENT :  n1.lab \n File:\tgrub.efi\t\n", "n1.lab", "grub.efi", 0},
      {"last line of a key wins", "file: a\nfile: b\nclient: x\nclient: y\n", "y", "b", 0},
      {"value with a colon (pybootd drops it)", "file: http://10.0.0.1/ipxe.efi\n", std::nullopt,
       "http://10.0.0.1/ipxe.efi", 0},
      {"other keys and prose skipped", "OK\nstatus: granted\n<html>\nclient: a\n", "a", std::nullopt, 0},
      {"hostname with a space refused", "client: bad name\n", std::nullopt, std::nullopt, 1},
      {"hostname label starting with '-' refused", "client: -x.lab\n", std::nullopt, std::nullopt, 1},
      {"empty hostname refused", "client:\n", std::nullopt, std::nullopt, 1},
      {"file with a space refused", "file: my file.efi\n", std::nullopt, std::nullopt, 1},
      {"file with a control byte refused", std::string("file: a\x01" "b\n"), std::nullopt, std::nullopt, 1},
      {"file too long for BOOTP refused", "file: " + std::string(128, 'f') + "\n", std::nullopt, std::nullopt, 1},
      {"file of 127 bytes kept", "file: " + std::string(127, 'f') + "\n", std::nullopt, std::string(127, 'f'), 0},
      {"a refused value keeps an earlier good one", "client: good\nclient: b a d\n", "good", std::nullopt, 1},
  };
  for (const auto& c : cases) {
    const auto grant = parse_access_reply(c.body);
    EXPECT_EQ(grant.hostname, c.hostname) << c.name;
    EXPECT_EQ(grant.boot_file, c.file) << c.name;
    EXPECT_EQ(grant.ignored.size(), c.ignored) << c.name;
  }
}

TEST(ParseAccessReply, IgnoredNotesAreSafeToLog) {
  const auto grant = parse_access_reply(std::string("client: a\x1b[31mred\n"));
  ASSERT_EQ(grant.ignored.size(), 1u);
  EXPECT_EQ(grant.ignored[0].find('\x1b'), std::string::npos);
  const auto long_one = parse_access_reply("file: " + std::string(500, 'x') + " y\n");
  ASSERT_EQ(long_one.ignored.size(), 1u);
  EXPECT_LT(long_one.ignored[0].size(), 120u);
}

TEST(HostName, Rfc1123Rules) {
  EXPECT_TRUE(is_valid_hostname("a"));
  EXPECT_TRUE(is_valid_hostname("node-01.lab.example"));
  EXPECT_TRUE(is_valid_hostname(std::string(63, 'a')));
  EXPECT_FALSE(is_valid_hostname(std::string(64, 'a')));
  EXPECT_FALSE(is_valid_hostname("a..b"));
  EXPECT_FALSE(is_valid_hostname("a.b-"));
  EXPECT_FALSE(is_valid_hostname("caf\xc3\xa9"));
  EXPECT_FALSE(is_valid_hostname(".lab"));
}

TEST(DecideFromAnswer, OnlyA200Grants) {
  struct Case {
    long status;
    RemoteVerdict verdict;
  };
  const Case cases[] = {{200, RemoteVerdict::Granted}, {201, RemoteVerdict::Refused}, {204, RemoteVerdict::Refused},
                        {301, RemoteVerdict::Refused}, {302, RemoteVerdict::Refused}, {401, RemoteVerdict::Refused},
                        {403, RemoteVerdict::Refused}, {404, RemoteVerdict::Refused}, {500, RemoteVerdict::Failed},
                        {503, RemoteVerdict::Failed},  {0, RemoteVerdict::Refused}};
  for (const auto& c : cases) {
    const auto d = decide_from_answer(c.status, "client: x\n");
    EXPECT_EQ(d.verdict, c.verdict) << c.status;
    EXPECT_EQ(d.status, c.status);
    EXPECT_EQ(d.detail, "HTTP " + std::to_string(c.status));
    EXPECT_EQ(d.grant.hostname.has_value(), c.status == 200) << "a refusal's body is not read";
    EXPECT_EQ(d.cacheable(), c.verdict != RemoteVerdict::Failed);
  }
}

TEST(DecideFromAnswer, FailureDenies) {
  const auto d = failed_check("no answer within 5000 ms");
  EXPECT_FALSE(d.granted());
  EXPECT_FALSE(d.cacheable());
  EXPECT_EQ(d.detail, "no answer within 5000 ms");
}

}  // namespace
}  // namespace netboot::acl
