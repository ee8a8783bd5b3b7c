#include "hv/vm/vm_commands.hpp"

#include "hv/console/arguments.hpp"
#include "hv/console/command.hpp"
#include "hv/console/reply.hpp"
#include "hv/console/text.hpp"

namespace sp::vm {
namespace {
using namespace console;

// The shell's context belongs to the embedder (Platform): the registry is bound here instead.
VmRegistry* bound_registry = nullptr;

VmRegistry& registry() { return *bound_registry; }

Vm* vm_at(const Arguments& args, Reply& reply)
{
    uint64_t id = 0;
    if (!args.unsigned_at(0, 1, VmRegistry::kMaxId, id, reply)) return nullptr;
    Vm* vm = registry().find(static_cast<uint32_t>(id));
    if (!vm) reply.fail("no VM with id %llu (try 'vm list')", static_cast<unsigned long long>(id));
    return vm;
}

uint64_t memory_mib(const Vm& vm) { return vm.config().memory_bytes >> 20; }

// Only the kinds that happened, so a listing stays narrow.
void nonzero_exits(Object parent, const char* key, const Vm& vm)
{
    Object exits = parent.object(key);
    for (unsigned k = 0; k < kExitKindCount; ++k) {
        uint64_t n = vm.exits(static_cast<ExitKind>(k));
        if (n) exits.u64(exit_kind_name(static_cast<ExitKind>(k)), n);
    }
}

void vm_list(const Arguments&, Reply& reply, void*)
{
    Table vms = reply.data().table("vms");
    // By id: slots are reused in any order.
    uint32_t last = 0;
    for (;;) {
        Vm* next = nullptr;
        for (size_t i = 0; i < VmRegistry::kCapacity; ++i) {
            Vm* vm = registry().slot(i);
            if (vm && vm->id() > last && (!next || vm->id() < next->id())) next = vm;
        }
        if (!next) break;
        last = next->id();
        Object row = vms.row();
        row.u64("id", next->id())
            .str("name", next->name())
            .str("state", vm_state_name(next->state()))
            .u64("memory_mib", memory_mib(*next))
            .u64("exits", next->total_exits());
        nonzero_exits(row, "by_kind", *next);
    }
}

void vm_info(const Arguments& args, Reply& reply, void*)
{
    Vm* vm = vm_at(args, reply);
    if (!vm) return;
    Object data = reply.data();
    data.u64("id", vm->id())
        .str("name", vm->name())
        .str("state", vm_state_name(vm->state()))
        .u64("memory_bytes", vm->config().memory_bytes)
        .u64("vcpus", vm->vcpu_count())
        .str("on_triple_fault", vm->config().on_triple_fault == TripleFaultPolicy::restart ? "restart" : "stop")
        .str("verdict", verdict_name(vm->verdict()));
    if (vm->verdict() != Verdict::none) data.u64("verdict_code", vm->verdict_code());
    if (vm->waiting_for_memory()) data.boolean("waiting_for_memory", true);
    data.u64("exits_total", vm->total_exits());
    Object exits = data.object("exits");
    for (unsigned k = 0; k < kExitKindCount; ++k)
        exits.u64(exit_kind_name(static_cast<ExitKind>(k)), vm->exits(static_cast<ExitKind>(k)));
    const VmCounters& c = vm->counters;
    data.object("events")
        .u64("restarts", c.restarts)
        .u64("io_ignored", c.io_ignored)
        .u64("io_unhandled", c.io_unhandled)
        .u64("gp_injected", c.gp_injected)
        .u64("ac_reflected", c.ac_reflected)
        .u64("db_reflected", c.db_reflected)
        .u64("other_reflected", c.other_reflected)
        .u64("hypercalls_unknown", c.hypercalls_unknown)
        .u64("diagnostics_suppressed", vm->diagnostics_suppressed());
    Table figures = data.table("figures");
    for (size_t i = 0; i < vm->figure_count(); ++i)
        figures.row().str("name", vm->figure(i).name).u64("value", vm->figure(i).value);
    data.u64("log_bytes", vm->log().total());
    data.str("last_message", vm->last_message());
}

// `vm log`: the newest lines that fit in one reply (a reply holds 8 KiB of text).
constexpr size_t kLogBudget = 5000;
constexpr size_t kLogMaxLines = 150;
constexpr size_t kLogLineChars = 160;

size_t pieces(size_t chars) { return chars == 0 ? 1 : (chars + kLogLineChars - 1) / kLogLineChars; }

// Where the shown tail starts: a line start, unless one line alone is over the budget.
size_t tail_start(const GuestLog& log)
{
    size_t end = log.size();
    size_t start = end, lines = 0, i = end;
    while (i > 0) {
        size_t j = i;
        if (log.at(j - 1) == '\n') --j; // the newline that ends this line
        size_t text_end = j;
        while (j > 0 && log.at(j - 1) != '\n') --j;
        size_t n = pieces(text_end - j);
        if (lines + n > kLogMaxLines || end - j > kLogBudget) {
            if (lines == 0) start = end - kLogBudget; // one huge line: its newest part
            break;
        }
        lines += n;
        start = j;
        i = j;
    }
    return start;
}

void vm_log(const Arguments& args, Reply& reply, void*)
{
    Vm* vm = vm_at(args, reply);
    if (!vm) return;
    const GuestLog& log = vm->log();
    size_t start = tail_start(log);
    Object data = reply.data();
    data.u64("id", vm->id())
        .str("name", vm->name())
        .u64("total_bytes", log.total())
        .u64("omitted_bytes", log.overwritten() + start);
    Table lines = data.table("lines");
    char line[kLogLineChars + 1];
    size_t n = 0;
    for (size_t i = start; i < log.size(); ++i) {
        char c = log.at(i);
        if (c != '\n') line[n++] = c;
        if (c == '\n' || n == kLogLineChars) {
            line[n] = '\0';
            lines.row().str("line", line);
            n = 0;
        }
    }
    if (n) {
        line[n] = '\0';
        lines.row().str("line", line);
    }
}

void vm_kill(const Arguments& args, Reply& reply, void*)
{
    Vm* vm = vm_at(args, reply);
    if (!vm) return;
    VmState before = vm->state();
    if (before == VmState::stopped || before == VmState::exited) {
        reply.fail("vm %u (%s) is already %s", vm->id(), vm->name(), vm_state_name(before));
        return;
    }
    vm->request_kill();
    // A running VM stops at its next exit; the others stopped just now.
    reply.data()
        .u64("id", vm->id())
        .str("name", vm->name())
        .str("status", vm->state() == VmState::stopped ? "stopped" : "stopping");
}

// States a command cannot act on: "vm 3 (web) has exited".
bool ended(const Vm& vm)
{
    return vm.state() == VmState::stopped || vm.state() == VmState::exited;
}

void fail_ended(const Vm& vm, Reply& reply)
{
    reply.fail("vm %u (%s) has %s (its output: vm log %u)", vm.id(), vm.name(),
               vm.state() == VmState::exited ? "exited" : "stopped", vm.id());
}

void vm_pause(const Arguments& args, Reply& reply, void*)
{
    Vm* vm = vm_at(args, reply);
    if (!vm) return;
    if (ended(*vm)) return fail_ended(*vm, reply);
    if (vm->state() == VmState::paused) {
        reply.fail("vm %u (%s) is already paused", vm->id(), vm->name());
        return;
    }
    if (vm->state() != VmState::running) {
        reply.fail("vm %u (%s) is %s, not running", vm->id(), vm->name(), vm_state_name(vm->state()));
        return;
    }
    vm->request_pause();
    // A running vCPU pauses at its next exit (within one timer tick).
    reply.data()
        .u64("id", vm->id())
        .str("name", vm->name())
        .str("status", vm->state() == VmState::paused ? "paused" : "pausing");
}

void vm_resume(const Arguments& args, Reply& reply, void*)
{
    Vm* vm = vm_at(args, reply);
    if (!vm) return;
    if (ended(*vm)) return fail_ended(*vm, reply);
    if (vm->state() != VmState::paused && !vm->pause_requested()) {
        reply.fail("vm %u (%s) is not paused", vm->id(), vm->name());
        return;
    }
    vm->resume(); // also withdraws a pause that has not taken effect yet
    reply.data().u64("id", vm->id()).str("name", vm->name()).str("status", vm_state_name(vm->state()));
}

void vm_request(const Arguments& args, Reply& reply, void*)
{
    Vm* vm = vm_at(args, reply);
    if (!vm) return;
    if (ended(*vm)) return fail_ended(*vm, reply);
    uint64_t word = 0;
    if (!args.unsigned_at(1, 1, ~0ull, word, reply)) return;
    vm->post_request(word); // the guest takes it with hypercall 4 when it next looks
    reply.data().u64("id", vm->id()).str("name", vm->name()).u64("request", word).str("status", "posted");
}

GuestConsole* bound_console = nullptr;

void vm_console(const Arguments& args, Reply& reply, void*)
{
    Vm* vm = vm_at(args, reply);
    if (!vm) return;
    if (ended(*vm)) return fail_ended(*vm, reply);
    bound_console->attach(*vm);
    reply.data()
        .u64("id", vm->id())
        .str("name", vm->name())
        .str("state", vm_state_name(vm->state()))
        .str("escape", "Ctrl-] q")
        .str("note", "attached: typing goes to the VM; Ctrl-] then q returns to the shell");
    reply.hand_over_terminal();
}

void log_follow(const Arguments& args, Reply& reply, void*)
{
    const char* word = args.at(0);
    bool on;
    if (same_text(word, "on")) on = true;
    else if (same_text(word, "off")) on = false;
    else {
        reply.fail("argument 1: '%s' is neither 'on' nor 'off' (usage: log follow on|off)", word);
        return;
    }
    registry().set_log_follow(on);
    reply.data().boolean("follow", on);
}

const Command kVmCommands[] = {
    // name         usage     one-line help                                        handler     min max
    {"vm list",     "",       "list virtual machines",                             vm_list},
    {"vms",         "",       "list virtual machines (same as vm list)",           vm_list},
    {"vm info",     "ID",     "show a VM's state, exits and test results",         vm_info,    1,  1},
    {"vm log",      "ID",     "show the newest lines of a VM's serial output",     vm_log,     1,  1},
    {"vm kill",     "ID",     "stop a VM",                                         vm_kill,    1,  1},
    {"vm pause",    "ID",     "pause a running VM (it keeps its memory and state)", vm_pause,  1,  1},
    {"vm resume",   "ID",     "let a paused VM run again",                         vm_resume,  1,  1},
    {"vm request",  "ID WORD", "post a request word to a guest (its hypercall 4 takes it)", vm_request, 2, 2},
    {"log follow",  "on|off", "copy new VM serial lines to this console, or stop", log_follow, 1,  1},
};

const Command kVmConsoleCommands[] = {
    {"vm console", "ID", "attach this terminal to a VM's serial port (Ctrl-] then q returns)", vm_console, 1, 1},
};

} // namespace

void add_vm_console_command(console::Shell& shell, GuestConsole& guest_console)
{
    bound_console = &guest_console;
    shell.add_commands(kVmConsoleCommands);
}

void add_vm_commands(console::Shell& shell, VmRegistry& vms)
{
    bound_registry = &vms;
    shell.add_commands(kVmCommands);
}

} // namespace sp::vm
