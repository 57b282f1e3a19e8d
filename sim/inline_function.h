#pragma once
// InlineFunction<N>: a move-only `void()` callable stored in N bytes inside the
// object itself. It never allocates: a callable that does not fit (or needs
// stricter alignment than a pointer) is rejected at compile time, so event
// callbacks cost no heap allocation on the kernel's hot path.
//
//   InlineFunction<48> f = [&count, step] { count += step; };  // 16 bytes of captures
//   f();                                                        // count += step
//
// Differences from std::function: move-only (captures may be move-only, e.g.
// std::unique_ptr), no target_type, calling an empty one is a bug (RH_ASSERT).
#include <cstddef>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

#include "sim/assert.h"

namespace rehearsal::sim {

template <std::size_t N>
class InlineFunction {
 public:
  static constexpr std::size_t kCapacity = N;

  InlineFunction() noexcept = default;
  InlineFunction(std::nullptr_t) noexcept {}  // NOLINT: implicit like std::function

  // Wraps any callable `f` invocable as `f()`. REQUIRES (compile time):
  // sizeof(F) <= N and alignof(F) <= alignof(void*) (8 bytes; keeps the
  // kernel's event slot at 80 bytes).
  template <typename F, typename D = std::decay_t<F>,
            typename = std::enable_if_t<!std::is_same_v<D, InlineFunction> &&
                                        std::is_invocable_v<D&>>>
  InlineFunction(F&& f) {  // NOLINT: implicit by design, like std::function
    static_assert(sizeof(D) <= N,
                  "callable too large for InlineFunction: capture less (pointers/ids) "
                  "or raise N");
    static_assert(alignof(D) <= alignof(void*),
                  "callable over-aligned for InlineFunction (capture a pointer instead)");
    static_assert(std::is_nothrow_move_constructible_v<D>,
                  "InlineFunction requires a nothrow-movable callable");
    ::new (static_cast<void*>(storage_)) D(std::forward<F>(f));
    ops_ = &kOpsFor<D>;
  }

  InlineFunction(InlineFunction&& other) noexcept { MoveFrom(other); }
  InlineFunction& operator=(InlineFunction&& other) noexcept {
    if (this != &other) {
      Reset();
      MoveFrom(other);
    }
    return *this;
  }
  InlineFunction& operator=(std::nullptr_t) noexcept {
    Reset();
    return *this;
  }
  InlineFunction(const InlineFunction&) = delete;
  InlineFunction& operator=(const InlineFunction&) = delete;
  ~InlineFunction() { Reset(); }

  // Destroys the held callable (if any) and constructs `f` in place: no
  // temporary InlineFunction, no relocation. Same compile-time REQUIRES as
  // the converting constructor.
  template <typename F, typename D = std::decay_t<F>>
  void Emplace(F&& f) {
    static_assert(sizeof(D) <= N,
                  "callable too large for InlineFunction: capture less (pointers/ids) "
                  "or raise N");
    static_assert(alignof(D) <= alignof(void*),
                  "callable over-aligned for InlineFunction (capture a pointer instead)");
    static_assert(std::is_nothrow_move_constructible_v<D>,
                  "InlineFunction requires a nothrow-movable callable");
    static_assert(std::is_invocable_v<D&>, "InlineFunction holds void() callables");
    Reset();
    ::new (static_cast<void*>(storage_)) D(std::forward<F>(f));
    ops_ = &kOpsFor<D>;
  }

  // REQUIRES: not empty.
  void operator()() {
    RH_ASSERT(ops_ != nullptr);
    ops_->invoke(storage_);
  }

  explicit operator bool() const noexcept { return ops_ != nullptr; }

  // Destroys the held callable (if any); afterwards the function is empty.
  void Reset() noexcept {
    if (ops_ != nullptr) {
      if (ops_->destroy != nullptr) ops_->destroy(storage_);
      ops_ = nullptr;
    }
  }

 private:
  // Type-erased operations. relocate/destroy are null for trivially copyable
  // callables (the common case: lambdas capturing pointers and integers), which
  // are then moved with a plain memcpy and need no destructor call.
  struct Ops {
    void (*invoke)(void* self);
    // Move-constructs into `to` from `from` and destroys `from`.
    void (*relocate)(void* from, void* to) noexcept;
    void (*destroy)(void* self) noexcept;
  };

  template <typename D>
  static constexpr bool kTrivial =
      std::is_trivially_copyable_v<D> && std::is_trivially_destructible_v<D>;

  template <typename D>
  static constexpr Ops kOpsFor = {
      [](void* self) { (*static_cast<D*>(self))(); },
      kTrivial<D> ? nullptr
                  : +[](void* from, void* to) noexcept {
                      D* src = static_cast<D*>(from);
                      ::new (to) D(std::move(*src));
                      src->~D();
                    },
      kTrivial<D> ? nullptr : +[](void* self) noexcept { static_cast<D*>(self)->~D(); },
  };

  void MoveFrom(InlineFunction& other) noexcept {
    if (other.ops_ != nullptr) {
      if (other.ops_->relocate == nullptr) {
        // Copying all N bytes (not just the callable's size) lets the compiler
        // emit a few fixed-size moves instead of a memcpy call.
        std::memcpy(storage_, other.storage_, N);
      } else {
        other.ops_->relocate(other.storage_, storage_);
      }
      ops_ = other.ops_;
      other.ops_ = nullptr;
    }
  }

  alignas(void*) unsigned char storage_[N] = {};
  const Ops* ops_ = nullptr;
};

}  // namespace rehearsal::sim
