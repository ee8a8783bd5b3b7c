#include "hv/vm/share_commands.hpp"

#include "hv/console/arguments.hpp"
#include "hv/console/command.hpp"
#include "hv/console/reply.hpp"
#include "hv/console/text.hpp"
#include "hv/lib/format.hpp"
#include "hv/vm/vm_registry.hpp"

namespace sp::vm {
namespace {

using console::Arguments;
using console::Object;
using console::Reply;
using console::Table;

sharing::Engine* bound_engine = nullptr;
VmRegistry* bound_registry = nullptr;

void share_show(const Arguments&, Reply& reply, void*)
{
    const sharing::SharingStats s = bound_engine->stats();
    Object data = reply.data();
    // The counters KSM has, under KSM's names (/sys/kernel/mm/ksm), then Samepage's own.
    data.u64("pages_shared", s.pages_shared)
        .u64("pages_sharing", s.pages_sharing)
        .u64("pages_unshared", s.pages_unshared)
        .u64("pages_volatile", s.pages_volatile)
        .u64("pages_skipped", s.pages_skipped)
        .u64("full_scans", s.full_scans)
        .i64("general_profit", s.general_profit)
        .u64("ksm_zero_pages", s.ksm_zero_pages)
        .u64("stable_node_chains", s.stable_node_chains)
        .u64("pages_shared_across_vms", s.pages_shared_across_vms)
        .u64("saving_pages", s.saving)
        .u64("split_saving_pages", s.split_saving)
        .u64("large_split", s.large_split)
        .u64("large_collapsed", s.large_collapsed)
        .u64("large_collapsed_by_copy", s.large_collapsed_by_copy)
        .u64("large_zero_reclaimed", s.large_zero_reclaimed)
        .u64("cow_breaks", s.cow_breaks)
        .u64("merges", s.merges)
        .str("pressure", mm::to_string(s.pressure));
    Object tunables = data.object("tunables");
    for (unsigned i = 0; i < sharing::kTunableCount; ++i) {
        char value[32];
        if (sharing::format_tunable(bound_engine->tunables(), sharing::kTunables[i].name, value, sizeof value))
            tunables.str(sharing::kTunables[i].name, value);
    }
}

void list_tunables(Sink& out)
{
    for (unsigned i = 0; i < sharing::kTunableCount; ++i) format(out, "%s%s", i ? ", " : "", sharing::kTunables[i].name);
}

void set_and_reply(const char* key, const char* value, Reply& reply)
{
    sharing::SharingError e = bound_engine->set_tunable(key, value);
    if (e == sharing::SharingError::unknown_key) {
        char keys[240];
        BufferSink list(keys, sizeof keys);
        list_tunables(list);
        reply.fail("no tunable '%s' (there are: %s)", key, keys);
        return;
    }
    if (e != sharing::SharingError::ok) {
        const char* help = "";
        for (unsigned i = 0; i < sharing::kTunableCount; ++i)
            if (console::same_text(sharing::kTunables[i].name, key)) help = sharing::kTunables[i].help;
        reply.fail("cannot set %s to '%s': %s (%s)", key, value, sharing::to_string(e), help);
        return;
    }
    char now[32];
    sharing::format_tunable(bound_engine->tunables(), key, now, sizeof now);
    reply.data().str("tunable", key).str("value", now);
}

void share_set(const Arguments& args, Reply& reply, void*) { set_and_reply(args.at(0), args.at(1), reply); }
void share_run(const Arguments& args, Reply& reply, void*) { set_and_reply("run", args.at(0), reply); }

void share_vms(const Arguments&, Reply& reply, void*)
{
    Table rows = reply.data().table("vms");
    for (uint32_t id = 1; id <= VmRegistry::kMaxId; ++id) {
        sharing::VmSharingStats v;
        if (bound_engine->vm_stats(id, v) != sharing::SharingError::ok) continue;
        const Vm* vm = bound_registry ? bound_registry->find(id) : nullptr;
        rows.row()
            .u64("id", id)
            .str("name", vm ? vm->name() : "")
            .u64("pages", v.pages)
            .u64("private", v.private_pages)
            .u64("shared", v.shared)
            .u64("zero", v.zero)
            .u64("saved", v.saved)
            .strf("on_large", "%llu.%llu%%", static_cast<unsigned long long>(v.on_large_permille / 10),
                  static_cast<unsigned long long>(v.on_large_permille % 10))
            .u64("domain", v.domain);
    }
}

const console::Command kShareCommands[] = {
    {"share", "", "page sharing: every counter (KSM's names) and the tunables", share_show, 0, 0},
    {"share set", "KEY VALUE", "set a page-sharing tunable (share lists them)", share_set, 2, 2},
    {"share run", "0|1|2", "stop scanning, scan, or unmerge everything and stop", share_run, 1, 1},
    {"share vms", "", "page sharing per VM: private, shared, zero, saved pages, share on large mappings",
     share_vms, 0, 0},
};

} // namespace

void add_share_commands(console::Shell& shell, sharing::Engine& engine, VmRegistry* registry)
{
    bound_engine = &engine;
    bound_registry = registry;
    shell.add_commands(kShareCommands);
}

} // namespace sp::vm
