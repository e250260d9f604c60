// Hard links: a second name beneath the root for a file's bytes. The link may have been made
// from a file outside the root (the confinement integration test plants one to a secret);
// no path check can tell, so open_beneath serves only files with a single name.
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>

#include "core/open_beneath.hpp"
#include "unit/core/confinement_tree.hpp"

namespace netboot {
namespace {

namespace fs = std::filesystem;

constexpr PathPolicy kPolicies[] = {
    {.backslash_separates = true, .trailing_separator_names_directory = false, .not_a_file = Errc::AccessDenied, .max_length = 1024},
    {.backslash_separates = false, .trailing_separator_names_directory = true, .not_a_file = Errc::NotFound, .max_length = 0},
};

TEST(OpenBeneathHardLinks, AHardLinkToAFileOutsideTheRootIsAccessDeniedWithEitherMethod) {
  test::ConfinementTree tree;
  fs::create_hard_link(tree.root().parent_path() / "outside" / "secret", tree.root() / "hard_out");
  for (const auto& policy : kPolicies) {
    for (const auto method : {ResolveMethod::Auto, ResolveMethod::ComponentWalk}) {
      const auto opened = open_beneath(tree.root_fd(), "hard_out", policy, method);
      ASSERT_FALSE(opened.has_value()) << "served: " << test::ConfinementTree::read_all(opened->fd.get());
      EXPECT_EQ(opened.error().code, Errc::AccessDenied) << opened.error().detail;
      EXPECT_NE(opened.error().detail.find("hard-linked"), std::string::npos) << opened.error().detail;
    }
  }
}

TEST(OpenBeneathHardLinks, AFileRegainsItsRightToBeServedWhenTheOtherNameGoes) {
  test::ConfinementTree tree;
  const fs::path other = tree.root() / "dir" / "second-name";
  fs::create_hard_link(tree.root() / "file.txt", other);
  EXPECT_FALSE(open_beneath(tree.root_fd(), "file.txt", kPolicies[0]).has_value());
  fs::remove(other);
  const auto opened = open_beneath(tree.root_fd(), "file.txt", kPolicies[0]);
  ASSERT_TRUE(opened.has_value()) << opened.error().detail;
  EXPECT_EQ(test::ConfinementTree::read_all(opened->fd.get()), "hello");
}

}  // namespace
}  // namespace netboot
