// Test-and-test-and-set spinlock for short critical sections shared by CPUs (allocator, reverse
// map, page tables). Built on __atomic builtins so it needs no libc or <atomic> runtime.
// Not fair and not reentrant; interrupts are the caller's business.
#pragma once
#include <stdint.h>

namespace sp {

class Spinlock {
public:
    void lock()
    {
        for (;;) {
            if (!__atomic_exchange_n(&locked_, 1, __ATOMIC_ACQUIRE)) return;
            // Spin on a plain load so the cache line stays shared while the holder works.
            while (__atomic_load_n(&locked_, __ATOMIC_RELAXED)) relax();
        }
    }

    bool try_lock() { return !__atomic_exchange_n(&locked_, 1, __ATOMIC_ACQUIRE); }

    void unlock() { __atomic_store_n(&locked_, 0, __ATOMIC_RELEASE); }

    bool is_locked() const { return __atomic_load_n(&locked_, __ATOMIC_RELAXED) != 0; }

private:
    static void relax()
    {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
    }

    uint8_t locked_ = 0;
};

// Holds a lock for the lifetime of a scope.
class SpinGuard {
public:
    explicit SpinGuard(Spinlock& lock) : lock_(lock) { lock_.lock(); }
    ~SpinGuard() { lock_.unlock(); }
    SpinGuard(const SpinGuard&) = delete;
    SpinGuard& operator=(const SpinGuard&) = delete;

private:
    Spinlock& lock_;
};

} // namespace sp
