#pragma once
// An invariant that must hold for every input. Unlike assert() it is active in every build
// type, and it aborts, which libFuzzer reports as a crash and the corpus replay as a failure.
#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition)                                                                   \
  do {                                                                                          \
    if (!(condition)) {                                                                         \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                             \
    }                                                                                           \
  } while (false)
