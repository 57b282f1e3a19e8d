#pragma once
// Assertions that stay on in release builds (TigerBeetle style): a broken
// invariant is a bug, and a simulator that keeps running after one produces
// numbers nobody should trust.
#include <cstdio>
#include <cstdlib>

namespace rehearsal::sim::detail {
[[noreturn]] inline void AssertFail(const char* expr, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: assertion failed: %s\n", file, line, expr);
  std::fflush(stderr);
  std::abort();
}
}  // namespace rehearsal::sim::detail

#define RH_ASSERT(cond) \
  ((cond) ? (void)0 : ::rehearsal::sim::detail::AssertFail(#cond, __FILE__, __LINE__))

#ifdef NDEBUG
#define RH_DEBUG_ASSERT(cond) ((void)0)
#else
#define RH_DEBUG_ASSERT(cond) RH_ASSERT(cond)
#endif
