// The wrapper a read transfer gets around the opened file: netascii conversion, or reading
// ahead for sources that say they benefit from it (local files).
#include <gtest/gtest.h>

#include <fcntl.h>

#include "tftp/file_source.hpp"
#include "tftp/netascii_source.hpp"
#include "tftp/transfer_source.hpp"
#include "unit/tftp/memory_source.hpp"
#include "unit/tftp/temp_tree.hpp"

namespace netboot::tftp {
namespace {

using testing::MemorySource;
using testing::TempTree;

std::shared_ptr<ByteSource> local_file(const TempTree& tree, SharedFileCache& cache) {
  tree.write("root/f", "line\n");
  UniqueFd fd(::open((tree.root() / "f").c_str(), O_RDONLY | O_CLOEXEC));
  auto adopted = cache.adopt(std::move(fd));
  EXPECT_TRUE(adopted) << adopted.error().detail;
  return adopted ? *adopted : nullptr;
}

TEST(WrapForTransfer, OctetLocalFileReadsAhead) {
  TempTree tree;
  SharedFileCache cache;
  auto file = local_file(tree, cache);
  ASSERT_NE(file, nullptr);
  const auto wrapped = wrap_for_transfer(file, TransferMode::Octet);
  ASSERT_NE(wrapped.read_ahead, nullptr);
  EXPECT_EQ(wrapped.source, wrapped.read_ahead);
  EXPECT_EQ(wrapped.source->size(), 5u);
}

TEST(WrapForTransfer, NetasciiConvertsAndDoesNotReadAhead) {
  TempTree tree;
  SharedFileCache cache;
  auto file = local_file(tree, cache);
  ASSERT_NE(file, nullptr);
  const auto wrapped = wrap_for_transfer(file, TransferMode::Netascii);
  EXPECT_EQ(wrapped.read_ahead, nullptr);
  EXPECT_NE(dynamic_cast<NetasciiSource*>(wrapped.source.get()), nullptr);
}

TEST(WrapForTransfer, InMemorySourceIsReadAsItIs) {
  auto memory = std::make_shared<MemorySource>(Bytes{1, 2, 3});
  const auto wrapped = wrap_for_transfer(memory, TransferMode::Octet);
  EXPECT_EQ(wrapped.read_ahead, nullptr);
  EXPECT_EQ(wrapped.source, memory);
}

}  // namespace
}  // namespace netboot::tftp
