#pragma once
// libcurl, loaded with dlopen on first use instead of linked. Only a remote TFTP root and
// [bootp] access = http need it, and linking it made the loader map and initialise its
// whole dependency tree (TLS, Kerberos, LDAP, SSH: about 5 MB of RSS) in every daemon.
// <curl/curl.h> still gives the types and constants; only the calls go through this table.
#include <curl/curl.h>

#include "core/result.hpp"

namespace netboot::net {

/// The libcurl entry points url_source and access_checker call (signatures from curl.h).
struct CurlLibrary {
  decltype(&::curl_easy_init) easy_init = nullptr;
  decltype(&::curl_easy_cleanup) easy_cleanup = nullptr;
  decltype(&::curl_easy_setopt) easy_setopt = nullptr;    // variadic, like the original
  decltype(&::curl_easy_getinfo) easy_getinfo = nullptr;  // variadic, like the original
  decltype(&::curl_easy_pause) easy_pause = nullptr;
  decltype(&::curl_easy_strerror) easy_strerror = nullptr;
  decltype(&::curl_easy_escape) easy_escape = nullptr;
  decltype(&::curl_free) free = nullptr;
  decltype(&::curl_multi_init) multi_init = nullptr;
  decltype(&::curl_multi_cleanup) multi_cleanup = nullptr;
  decltype(&::curl_multi_add_handle) multi_add_handle = nullptr;
  decltype(&::curl_multi_remove_handle) multi_remove_handle = nullptr;
  decltype(&::curl_multi_perform) multi_perform = nullptr;
  decltype(&::curl_multi_poll) multi_poll = nullptr;
  decltype(&::curl_multi_info_read) multi_info_read = nullptr;
  decltype(&::curl_multi_wakeup) multi_wakeup = nullptr;
};

/// Loads libcurl.so.4 and runs curl_global_init, both once per process (thread-safe); later
/// calls return the same table, or the same error ("libcurl.so.4 could not be loaded: ...").
/// The library stays loaded and initialised until exit: there is no curl_global_cleanup.
Result<const CurlLibrary*> curl_library();

}  // namespace netboot::net
