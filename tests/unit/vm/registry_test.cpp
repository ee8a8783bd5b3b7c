#include "vm_test_support.hpp"

#include <set>

using namespace vm_test;

namespace {
struct Registry {
    FakeCpu cpu = recorded_cpu();
    FakeGuest ram;
    HostServices host{FakeCpu::cpuid, &cpu, nullptr};
    VmRegistry registry{host};

    VmConfig config(const char* name)
    {
        VmConfig c;
        c.name = name;
        c.memory_bytes = 64u << 20;
        c.services = services_for(ram);
        return c;
    }
    Vm* create(const char* name)
    {
        Vm* vm = nullptr;
        REQUIRE(registry.create(config(name), vm) == CreateError::ok);
        return vm;
    }
};
} // namespace

TEST_CASE("A new VM gets id 1, its name, state 'created' and RAM [0, memory) when no ranges are given", "[vm][registry]")
{
    Registry r;
    Vm* vm = r.create("alpha");
    CHECK(vm->id() == 1);
    CHECK(std::string(vm->name()) == "alpha");
    CHECK(vm->state() == VmState::created);
    CHECK(vm->vcpu_count() == 1);
    CHECK(&vm->vcpu(0).vm() == vm);
    CHECK(vm->in_ram(0, 64u << 20));
    CHECK_FALSE(vm->in_ram(64u << 20, 1));
    CHECK(r.registry.find(1) == vm);
    CHECK(r.registry.find_by_name("alpha") == vm);
    CHECK(r.registry.count() == 1);
}

TEST_CASE("The VM keeps its own copy of the name", "[vm][registry]")
{
    Registry r;
    char name[] = "beta";
    Vm* vm = nullptr;
    REQUIRE(r.registry.create(r.config(name), vm) == CreateError::ok);
    name[0] = 'X';
    CHECK(std::string(vm->name()) == "beta");
    CHECK(std::string(vm->config().name) == "beta");
}

TEST_CASE("Bad configurations are refused with a reason", "[vm][registry]")
{
    Registry r;
    Vm* vm = nullptr;
    for (const char* bad : {"", "123", "has space", "a/b", "abcdefghijabcdefghijabcdefghijab"}) {
        INFO(bad);
        CHECK(r.registry.create(r.config(bad), vm) == CreateError::bad_name);
    }
    VmConfig nameless = r.config("x");
    nameless.name = nullptr;
    CHECK(r.registry.create(nameless, vm) == CreateError::bad_name);
    CHECK(r.registry.create(r.config("abcdefghijabcdefghijabcdefghija"), vm) == CreateError::ok); // 31: fits

    VmConfig c = r.config("m");
    c.memory_bytes = 0;
    CHECK(r.registry.create(c, vm) == CreateError::bad_memory);
    c = r.config("m");
    c.ram[0] = {~0ull - 10, 100};
    c.ram_count = 1;
    CHECK(r.registry.create(c, vm) == CreateError::bad_memory);
    c = r.config("m");
    c.vcpu_count = 0;
    CHECK(r.registry.create(c, vm) == CreateError::bad_vcpu_count);
    c.vcpu_count = kMaxVcpus + 1;
    CHECK(r.registry.create(c, vm) == CreateError::bad_vcpu_count);
    c = r.config("m");
    c.services.read_guest = nullptr;
    CHECK(r.registry.create(c, vm) == CreateError::missing_services);
    c = r.config("m");
    c.services.ticks_per_second = 0;
    CHECK(r.registry.create(c, vm) == CreateError::missing_services);
    CHECK(vm == nullptr);
    CHECK(std::string(create_error_text(CreateError::full)) == "no room for another VM");
}

TEST_CASE("Names are unique among live VMs", "[vm][registry]")
{
    Registry r;
    r.create("web");
    Vm* vm = nullptr;
    CHECK(r.registry.create(r.config("web"), vm) == CreateError::duplicate_name);
}

TEST_CASE("The registry holds kCapacity VMs; one more is refused until one is removed", "[vm][registry]")
{
    Registry r;
    constexpr size_t n = VmRegistry::kCapacity;
    std::vector<std::string> names;
    for (size_t i = 0; i <= n; ++i) names.push_back("vm" + std::to_string(i));
    for (size_t i = 0; i < n; ++i) r.create(names[i].c_str());
    Vm* vm = nullptr;
    CHECK(r.registry.create(r.config(names[n].c_str()), vm) == CreateError::full);
    CHECK(r.registry.remove(5));
    REQUIRE(r.registry.create(r.config(names[n].c_str()), vm) == CreateError::ok);
    CHECK(vm->id() == n + 1);
}

TEST_CASE("A running or paused VM cannot be removed; a stopped, exited or never started one can", "[vm][registry]")
{
    Registry r;
    Vm* vm = r.create("a");
    vm->mark_running();
    CHECK_FALSE(r.registry.remove(vm->id()));
    vm->set_state(VmState::paused);
    CHECK_FALSE(r.registry.remove(vm->id()));
    vm->set_state(VmState::exited);
    CHECK(r.registry.remove(vm->id()));
    CHECK(r.registry.find(1) == nullptr);
    CHECK_FALSE(r.registry.remove(1)); // already gone
    Vm* b = r.create("b");
    CHECK(r.registry.remove(b->id())); // created, never ran
}

TEST_CASE("Ids of removed VMs are not reused until every other id has been handed out", "[vm][registry]")
{
    Registry r;
    Vm* first = r.create("first");
    REQUIRE(first->id() == 1);
    REQUIRE(r.registry.remove(1));
    Vm* second = r.create("second");
    CHECK(second->id() == 2); // a stale "vm kill 1" cannot hit the new VM
    CHECK(r.registry.find(1) == nullptr);
    REQUIRE(r.registry.remove(2));

    // Cycle through the id space while one long-lived VM keeps id 3.
    Vm* keeper = r.create("keeper");
    REQUIRE(keeper->id() == 3);
    std::set<uint32_t> seen;
    for (uint32_t i = 0; i < VmRegistry::kMaxId + 5; ++i) {
        Vm* vm = r.create("churn");
        CHECK(vm->id() != 3);
        CHECK(vm->id() >= 1);
        CHECK(vm->id() <= VmRegistry::kMaxId);
        seen.insert(vm->id());
        REQUIRE(r.registry.remove(vm->id()));
    }
    CHECK(seen.size() == VmRegistry::kMaxId - 1); // every id but the keeper's came round
    CHECK(r.registry.find(3) == keeper);
}

TEST_CASE("A reused slot starts clean: counters, log, verdict and figures of the old VM are gone", "[vm][registry]")
{
    Registry r;
    Vm* old = r.create("old");
    old->count_exit(ExitKind::cpuid);
    old->log().write("x\n", 2);
    old->set_verdict(Verdict::failed, 3);
    old->set_figure("f", 1);
    old->counters.restarts = 4;
    REQUIRE(r.registry.remove(old->id()));
    Vm* fresh = r.create("fresh");
    REQUIRE(fresh == old); // same slot
    CHECK(fresh->total_exits() == 0);
    CHECK(fresh->log().total() == 0);
    CHECK(fresh->verdict() == Verdict::none);
    CHECK(fresh->figure_count() == 0);
    CHECK(fresh->counters.restarts == 0);
}

TEST_CASE("With log follow on, each completed serial line reaches the embedder's hook with its VM", "[vm][registry][log]")
{
    Machine m;
    std::vector<std::string> followed;
    m.registry.set_log_follow_hook(
        [](void* c, const Vm& vm, const char* line, size_t n) {
            static_cast<std::vector<std::string>*>(c)->push_back(std::to_string(vm.id()) + ":" + std::string(line, n));
        },
        &followed);
    for (char c : std::string("quiet\n")) m.complete(m.out(0x3f8, uint8_t(c)));
    CHECK(followed.empty()); // follow is off by default
    m.registry.set_log_follow(true);
    for (char c : std::string("loud\npart")) m.complete(m.out(0x3f8, uint8_t(c)));
    CHECK(followed == std::vector<std::string>{"1:loud"});
    m.registry.set_log_follow(false);
    m.complete(m.out(0x3f8, '\n'));
    CHECK(followed.size() == 1);
    CHECK(m.log_text() == "quiet\nloud\npart\n");
}

TEST_CASE("Killing a VM that is not inside the guest stops it at once", "[vm][registry]")
{
    Registry r;
    Vm* vm = r.create("idle");
    vm->request_kill();
    CHECK(vm->state() == VmState::stopped);
    CHECK(std::string(vm->last_message()) == "vm 1 (idle): killed from the console");
}
