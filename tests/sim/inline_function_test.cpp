#include "sim/inline_function.h"

#include <gtest/gtest.h>

#include <memory>
#include <utility>

namespace rehearsal::sim {
namespace {

// Counts live copies so destruction can be checked exactly.
struct Tracked {
  int* alive;
  int* calls;
  explicit Tracked(int* a, int* c) : alive(a), calls(c) { ++*alive; }
  Tracked(Tracked&& o) noexcept : alive(o.alive), calls(o.calls) { ++*alive; }
  Tracked(const Tracked&) = delete;
  ~Tracked() { --*alive; }
  void operator()() { ++*calls; }
};

TEST(InlineFunction, CallsAndDestroysExactlyOnceAcrossMoves) {
  int alive = 0;
  int calls = 0;
  {
    InlineFunction<48> f = Tracked(&alive, &calls);
    EXPECT_EQ(alive, 1);
    InlineFunction<48> g = std::move(f);
    EXPECT_FALSE(static_cast<bool>(f));
    EXPECT_TRUE(static_cast<bool>(g));
    EXPECT_EQ(alive, 1);
    g();
    g();
    EXPECT_EQ(calls, 2);
    InlineFunction<48> h;
    h = std::move(g);
    EXPECT_EQ(alive, 1);
    h = nullptr;
    EXPECT_EQ(alive, 0);
    h.Emplace(Tracked(&alive, &calls));
    EXPECT_EQ(alive, 1);
  }
  EXPECT_EQ(alive, 0);
}

TEST(InlineFunction, HoldsMoveOnlyCapturesAndTrivialLambdas) {
  auto owned = std::make_unique<int>(41);
  int seen = 0;
  InlineFunction<48> f = [p = std::move(owned), &seen] { seen = *p + 1; };
  InlineFunction<48> g = std::move(f);
  g();
  EXPECT_EQ(seen, 42);
  int a = 1;
  int b = 2;
  InlineFunction<48> sum = [&a, &b, k = 3] { a += b + k; };
  InlineFunction<48> moved = std::move(sum);  // trivially copyable: memcpy path
  moved();
  EXPECT_EQ(a, 6);
  static_assert(sizeof(InlineFunction<48>) == 56, "48 inline bytes + one ops pointer");
}

}  // namespace
}  // namespace rehearsal::sim
