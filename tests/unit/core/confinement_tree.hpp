#pragma once
// A throw-away served root full of traps, for the confinement tests (core/open_beneath and
// HTTP's request paths): <tmp>/root with files, symlinks that stay inside, symlinks that lead
// out (relative, absolute, to "/", through /proc, to a device, a loop) and a FIFO, beside
// <tmp>/outside/secret, which must never be served.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "core/open_beneath.hpp"

namespace netboot::test {

class ConfinementTree {
 public:
  ConfinementTree() {
    std::string pattern = (std::filesystem::temp_directory_path() / "netboot-confinement-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    base_ = pattern;
    namespace fs = std::filesystem;
    const fs::path root = this->root();
    const fs::path outside = base_ / "outside";
    fs::create_directories(root / "dir" / "sub");
    fs::create_directories(root / "boot");
    fs::create_directories(outside);
    write(outside / "secret", "SECRET");
    write(root / "file.txt", "hello");
    write(root / "dir" / "inner.txt", "inner");
    write(root / "boot" / "vmlinuz", "kernel");
    write(root / "a b.cfg", "spaced");
    fs::create_symlink("file.txt", root / "link_in");               // stays inside
    fs::create_symlink("../boot", root / "dir" / "boot_link");       // directory, stays inside
    fs::create_symlink("../outside", root / "link_out");             // directory outside
    fs::create_symlink(outside / "secret", root / "link_abs");       // absolute, outside
    fs::create_symlink(root / "file.txt", root / "link_abs_in");     // absolute, inside
    fs::create_symlink("../outside/secret", root / "link_rel_out");  // relative, outside
    fs::create_symlink("../../outside/secret", root / "dir" / "link_up");
    fs::create_symlink("/", root / "link_slash");
    fs::create_symlink("/proc/self/root/etc/passwd", root / "link_magic");
    fs::create_symlink("/dev/null", root / "devnull");
    fs::create_symlink("link_loop", root / "link_loop");
    if (::mkfifo((root / "fifo").c_str(), 0600) != 0) throw std::runtime_error("mkfifo failed");
    auto fd = open_directory(root.string());
    if (!fd) throw std::runtime_error(fd.error().detail);
    root_fd_ = std::move(*fd);
  }
  ~ConfinementTree() {
    root_fd_.reset();
    std::error_code ec;
    std::filesystem::remove_all(base_, ec);
  }
  ConfinementTree(const ConfinementTree&) = delete;
  ConfinementTree& operator=(const ConfinementTree&) = delete;

  [[nodiscard]] std::filesystem::path root() const { return base_ / "root"; }
  [[nodiscard]] int root_fd() const { return root_fd_.get(); }

  /// All of an opened file, read with pread (the descriptor's offset is left alone).
  static std::string read_all(int fd) {
    std::string out;
    char buffer[256];
    off_t offset = 0;
    for (;;) {
      const ssize_t n = ::pread(fd, buffer, sizeof buffer, offset);
      if (n <= 0) break;
      out.append(buffer, static_cast<std::size_t>(n));
      offset += n;
    }
    return out;
  }

 private:
  static void write(const std::filesystem::path& path, const std::string& content) {
    std::ofstream(path, std::ios::binary) << content;
  }

  std::filesystem::path base_;
  UniqueFd root_fd_;
};

}  // namespace netboot::test
