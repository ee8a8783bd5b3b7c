// The image's VMs: the registry the console commands see, the guests behind it (on VMX or SVM,
// whichever the boot CPU enabled), the
// `vm start` command, and the scheduler that gives each running VM a time slice in turn.
#pragma once
#include "hv/console/reply.hpp"
#include "hv/console/shell.hpp"
#include "hv/platform/boot_info.hpp"

namespace sp {

// Sets up the registry and adds the VM commands (vm start/list/info/log/kill, log follow).
void vm_host_init(const BootInfo& info, console::Shell& shell, uint64_t tsc_per_ms);

// `mem`'s guest memory (what guests can have, committed, the overcommit limit) and per-VM
// table: frames held, and with sharing private, shared, zero and saved pages
// and the share of memory on large mappings.
void describe_vm_memory(console::Object& data);

// Runs every runnable VM for up to one timer tick each. Returns false when no VM could run
// (the caller may sleep until the next interrupt).
bool run_vms_once();

} // namespace sp
