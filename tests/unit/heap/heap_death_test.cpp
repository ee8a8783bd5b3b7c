// Heap corruption is a hypervisor bug: freeing what the heap did not hand out, or freeing twice,
// must panic and name the pointer. Host panic() aborts, so each bad call runs in a forked child
// and the parent checks for SIGABRT and the panic message.
#include <catch2/catch.hpp>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

#include "heap_test_support.hpp"
#include "mm/small_heap.hpp"

using namespace sp;
using namespace sp::heap_test;

namespace {

struct Death {
    bool aborted = false;
    std::string message; // the child's stderr
};

// Runs `bad` in a child process; its stderr comes back through a pipe.
template <class F> Death run_in_child(F&& bad)
{
    std::fflush(stdout);
    std::fflush(stderr);
    int pipe_fds[2];
    REQUIRE(pipe(pipe_fds) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        close(pipe_fds[0]);
        dup2(pipe_fds[1], STDERR_FILENO);
        std::signal(SIGABRT, SIG_DFL); // Catch2's handler would report the child as a failed test
        bad();
        _exit(0); // survived: the parent reports it
    }
    close(pipe_fds[1]);
    Death d;
    char buffer[512];
    ssize_t n;
    while ((n = read(pipe_fds[0], buffer, sizeof buffer)) > 0) d.message.append(buffer, static_cast<size_t>(n));
    close(pipe_fds[0]);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    d.aborted = WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
    return d;
}

std::string text_of(const void* p)
{
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%p", p);
    return buffer;
}

void require_panic(const Death& d, const void* ptr, const char* why)
{
    INFO("child stderr: " << d.message);
    REQUIRE(d.aborted);
    CHECK(d.message.find("samepage panic: heap:") != std::string::npos);
    CHECK(d.message.find(text_of(ptr)) != std::string::npos);
    CHECK(d.message.find(why) != std::string::npos);
}

} // namespace

TEST_CASE("freeing a small object twice panics naming the pointer", "[heap][death]")
{
    TestHeap t(1 * MiB);
    void* keep = t.heap.allocate(40);
    void* p = t.heap.allocate(40);
    t.heap.free(p);
    require_panic(run_in_child([&] { t.heap.free(p); }), p, "already free");
    require_panic(run_in_child([&] { (void)t.heap.size_of(p); }), p, "already free");
    // The parent's heap is untouched by the child.
    t.heap.free(keep);
    require_sound(t.heap);
}

TEST_CASE("freeing a large block twice panics, even after a neighbour absorbed it", "[heap][death]")
{
    TestHeap t(1 * MiB);
    void* a = t.heap.allocate(5000);
    void* b = t.heap.allocate(6000);
    void* c = t.heap.allocate(7000);
    t.heap.free(b);
    require_panic(run_in_child([&] { t.heap.free(b); }), b, "already free");
    t.heap.free(a); // a and b coalesce; b's header is now inside a free block
    require_sound(t.heap);
    require_panic(run_in_child([&] { t.heap.free(b); }), b, "already free");
    require_panic(run_in_child([&] { t.heap.free(a); }), a, "already free");
    t.heap.free(c);
    require_sound(t.heap);
}

TEST_CASE("freeing a pointer the heap never handed out panics naming the pointer", "[heap][death]")
{
    TestHeap t(1 * MiB);
    void* small = t.heap.allocate(64);
    void* large = t.heap.allocate(10000);
    std::memset(large, 0, 10000);
    int on_stack = 0;
    HostRegion elsewhere(4096);

    SECTION("outside the region")
    {
        require_panic(run_in_child([&] { t.heap.free(&on_stack); }), &on_stack, "not a pointer from this heap");
        require_panic(run_in_child([&] { t.heap.free(elsewhere.base()); }), elsewhere.base(),
                      "not a pointer from this heap");
    }
    SECTION("inside the region but not at the start of an allocation")
    {
        void* inside_small = static_cast<uint8_t*>(small) + 16;
        require_panic(run_in_child([&] { t.heap.free(inside_small); }), inside_small, "not the start of a slot");
        void* inside_large = static_cast<uint8_t*>(large) + 4096;
        require_panic(run_in_child([&] { t.heap.free(inside_large); }), inside_large, "not a pointer from this heap");
        void* misaligned = static_cast<uint8_t*>(large) + 8;
        require_panic(run_in_child([&] { t.heap.free(misaligned); }), misaligned, "not a pointer from this heap");
        void* region_start = t.region.base();
        require_panic(run_in_child([&] { t.heap.free(region_start); }), region_start, "not a pointer from this heap");
    }
    SECTION("the size of a foreign pointer")
    {
        require_panic(run_in_child([&] { (void)t.heap.size_of(&on_stack); }), &on_stack, "size_of");
    }
    t.heap.free(small);
    t.heap.free(large);
    require_sound(t.heap);
}

TEST_CASE("a write into a freed slot is caught when the slot is handed out again", "[heap][death]")
{
    TestHeap t(1 * MiB);
    void* keep = t.heap.allocate(32);
    void* p = t.heap.allocate(32);
    t.heap.free(p);
    std::memset(p, 0x41, 32); // use after free
    CHECK(t.heap.check() != nullptr);
    require_panic(run_in_child([&] { (void)t.heap.allocate(32); }), p, "written after free");
    (void)keep;
}

TEST_CASE("using a heap before init() panics", "[heap][death]")
{
    SmallHeap heap;
    Death d = run_in_child([&] { (void)heap.allocate(8); });
    INFO("child stderr: " << d.message);
    REQUIRE(d.aborted);
    CHECK(d.message.find("before init") != std::string::npos);
    int x = 0;
    require_panic(run_in_child([&] { heap.free(&x); }), &x, "not a pointer from this heap");
}

TEST_CASE("a child that does nothing wrong is not mistaken for a panic", "[heap][death]")
{
    TestHeap t(1 * MiB);
    void* p = t.heap.allocate(100);
    Death d = run_in_child([&] { t.heap.free(p); });
    CHECK_FALSE(d.aborted);
    CHECK(d.message.empty());
    t.heap.free(p); // the child's free happened in its own copy
    require_sound(t.heap);
}
