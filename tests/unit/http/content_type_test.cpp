// Content-Type by file extension.
#include <gtest/gtest.h>

#include "http/content_type.hpp"

namespace netboot::http {
namespace {

TEST(ContentType, ByExtension) {
  struct Case {
    const char* path;
    const char* type;
  };
  const Case cases[] = {
      {"/boot.ipxe", "text/plain"},      {"/pxelinux.cfg/x.CFG", "text/plain"}, {"/readme.txt", "text/plain"},
      {"/index.html", "text/html"},      {"/vmlinuz", "application/octet-stream"},
      {"/initrd.img", "application/octet-stream"}, {"/x.efi", "application/efi"},
      {"/rootfs.tar", "application/x-tar"}, {"/a.iso", "application/x-iso9660-image"},
      {"/.ipxe", "application/octet-stream"},  // a dot file has no extension
      {"/dir.txt/file", "application/octet-stream"}, {"/file.", "application/octet-stream"},
  };
  for (const auto& c : cases) EXPECT_EQ(content_type_for(c.path), c.type) << c.path;
}

}  // namespace
}  // namespace netboot::http
