#include "net/curl_library.hpp"

#include <dlfcn.h>

#include <string>

#include <fmt/format.h>

namespace netboot::net {

namespace {

struct Loaded {
  CurlLibrary library;
  std::string error;  // empty once loaded and initialised
};

/// Looks `name` up; on failure records the first error and leaves `out` null.
template <class Function>
void bind(void* handle, const char* name, Function& out, std::string& error) {
  void* symbol = dlsym(handle, name);
  if (symbol == nullptr) {
    if (error.empty()) error = fmt::format("libcurl.so.4 has no {}", name);
    return;
  }
  // POSIX guarantees that dlsym's object pointer converts to the function pointer.
  out = reinterpret_cast<Function>(symbol);
}

Loaded load() {
  Loaded loaded;
  // RTLD_LOCAL: curl's symbols (and its TLS library's) stay out of the global namespace.
  void* handle = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    loaded.error = fmt::format("libcurl.so.4 could not be loaded: {}", why != nullptr ? why : "unknown error");
    return loaded;
  }
  auto& lib = loaded.library;
  std::string& error = loaded.error;
  decltype(&::curl_global_init) global_init = nullptr;
  bind(handle, "curl_global_init", global_init, error);
  bind(handle, "curl_easy_init", lib.easy_init, error);
  bind(handle, "curl_easy_cleanup", lib.easy_cleanup, error);
  bind(handle, "curl_easy_setopt", lib.easy_setopt, error);
  bind(handle, "curl_easy_getinfo", lib.easy_getinfo, error);
  bind(handle, "curl_easy_pause", lib.easy_pause, error);
  bind(handle, "curl_easy_strerror", lib.easy_strerror, error);
  bind(handle, "curl_easy_escape", lib.easy_escape, error);
  bind(handle, "curl_free", lib.free, error);
  bind(handle, "curl_multi_init", lib.multi_init, error);
  bind(handle, "curl_multi_cleanup", lib.multi_cleanup, error);
  bind(handle, "curl_multi_add_handle", lib.multi_add_handle, error);
  bind(handle, "curl_multi_remove_handle", lib.multi_remove_handle, error);
  bind(handle, "curl_multi_perform", lib.multi_perform, error);
  bind(handle, "curl_multi_poll", lib.multi_poll, error);
  bind(handle, "curl_multi_info_read", lib.multi_info_read, error);
  bind(handle, "curl_multi_wakeup", lib.multi_wakeup, error);  // 7.68 and later
  if (error.empty() && global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) error = "libcurl initialisation failed";
  // The handle is never closed: the table (and curl's global state) lives until exit.
  return loaded;
}

}  // namespace

Result<const CurlLibrary*> curl_library() {
  // The one process-wide instance, as the dynamic loader and curl_global_init are
  // process-wide themselves; C++ static initialisation makes the first call thread-safe.
  static const Loaded loaded = load();
  if (!loaded.error.empty()) return fail(Errc::Io, loaded.error);
  return &loaded.library;
}

}  // namespace netboot::net
