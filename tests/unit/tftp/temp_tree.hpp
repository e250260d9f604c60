#pragma once
// A throw-away directory tree for file tests: <tmp>/outside (secrets) and <tmp>/root.
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace netboot::tftp::testing {

class TempTree {
 public:
  TempTree() {
    std::string pattern = (std::filesystem::temp_directory_path() / "netboot-tftp-XXXXXX").string();
    base_ = ::mkdtemp(pattern.data());
    std::filesystem::create_directories(root());
    std::filesystem::create_directories(base_ / "outside");
  }
  ~TempTree() {
    std::error_code ec;
    std::filesystem::remove_all(base_, ec);
  }
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;

  [[nodiscard]] std::filesystem::path base() const { return base_; }
  [[nodiscard]] std::filesystem::path root() const { return base_ / "root"; }
  void write(const std::filesystem::path& relative_to_base, std::string_view content) const {
    const auto path = base_ / relative_to_base;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
  }
  void symlink(const std::filesystem::path& target, const std::filesystem::path& link_relative_to_base) const {
    std::filesystem::create_directories((base_ / link_relative_to_base).parent_path());
    std::filesystem::create_symlink(target, base_ / link_relative_to_base);
  }

 private:
  std::filesystem::path base_;
};

}  // namespace netboot::tftp::testing
