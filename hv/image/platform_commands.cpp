// Console commands about the machine: cpu, mem, reboot, poweroff.
#include "hv/image/platform_commands.hpp"

#include "arch/x86/cpu_features.hpp"
#include "hv/console/arguments.hpp"
#include "hv/console/command.hpp"
#include "hv/console/reply.hpp"
#include "hv/image/heap.hpp"
#include "hv/image/memory_setup.hpp"
#include "hv/image/vm_host.hpp"
#include "hv/image/platform.hpp"
#include "mm/memory_pressure.hpp"
#include "hv/platform/firmware_memory.hpp"

namespace sp {
namespace {
using namespace console;

Platform& platform_of(void* context) { return *static_cast<Platform*>(context); }

const char* virtualization_kind(const x86::CpuFeatures& cpu)
{
    if (x86::virtualization_problem(cpu)) return "none";
    return cpu.vmx.supported ? "vmx" : "svm";
}

void cpu_command(const Arguments&, Reply& reply, void* context)
{
    const x86::CpuFeatures& cpu = platform_of(context).boot->cpu;
    Object data = reply.data();
    data.str("vendor", x86::vendor_name(cpu.vendor))
        .str("vendor_id", cpu.vendor_id)
        .str("brand", cpu.brand)
        .u64("family", cpu.family)
        .u64("model", cpu.model)
        .u64("stepping", cpu.stepping)
        .boolean("under_hypervisor", cpu.under_hypervisor);
    data.object("features")
        .boolean("page_1g", cpu.page_1g)
        .boolean("xsave", cpu.xsave)
        .boolean("avx", cpu.avx)
        .boolean("avx2", cpu.avx2)
        .boolean("x2apic", cpu.x2apic);
    Object virt = data.object("virtualization");
    const char* problem = x86::virtualization_problem(cpu);
    virt.boolean("available", problem == nullptr).str("kind", virtualization_kind(cpu));
    if (problem) virt.str("problem", problem);
    const auto& s = cpu.svm;
    data.object("svm")
        .boolean("supported", s.supported)
        .boolean("disabled_by_firmware", s.disabled_by_firmware)
        .u64("revision", s.revision)
        .u64("asids", s.asids)
        .boolean("npt", s.npt)
        .boolean("nrips", s.nrips)
        .boolean("flush_by_asid", s.flush_by_asid)
        .boolean("decode_assists", s.decode_assists)
        .boolean("vmcb_clean", s.vmcb_clean)
        .boolean("pause_filter", s.pause_filter);
    const auto& v = cpu.vmx;
    data.object("vmx")
        .boolean("supported", v.supported)
        .boolean("feature_control_locked", v.feature_control_locked)
        .boolean("locked_off", v.locked_off)
        .hex("vmcs_revision", v.vmcs_revision)
        .boolean("true_controls", v.true_controls)
        .boolean("ept", v.ept)
        .boolean("ept_2m", v.ept_2m)
        .boolean("ept_1g", v.ept_1g)
        .boolean("ept_ad", v.ept_ad)
        .boolean("ept_wb", v.ept_wb)
        .boolean("invept_single", v.invept_single)
        .boolean("unrestricted_guest", v.unrestricted_guest)
        .boolean("vpid", v.vpid);
}

void mem_command(const Arguments&, Reply& reply, void* context)
{
    const BootInfo& boot = *platform_of(context).boot;
    auto summary = summarize_firmware_memory(boot.memory_map, boot.memory_map_count);
    Object data = reply.data();
    Object fw = data.object("firmware");
    fw.u64("ram_bytes", summary.total_pages * 4096)
        .u64("usable_bytes", summary.usable_pages * 4096)
        .u64("regions", summary.regions)
        .hex("highest_address", summary.highest_address);
    Table types = fw.table("by_type");
    for (size_t t = 0; t <= FirmwareMemorySummary::other_type; ++t) {
        if (summary.regions_by_type[t] == 0) continue;
        types.row()
            .str("type", firmware_memory_type_name(static_cast<uint32_t>(t)))
            .u64("regions", summary.regions_by_type[t])
            .u64("pages", summary.pages_by_type[t])
            .u64("bytes", summary.pages_by_type[t] * 4096);
    }
    mm::FrameStats frames = frame_allocator().stats();
    data.object("frames")
        .u64("managed", frames.managed_frames)
        .u64("free", frames.free_frames)
        .u64("hypervisor", frames.hypervisor_frames)
        .u64("shared", frames.shared_frames)
        .u64("vms", frames.vm_frames)
        .u64("reserved", frames.reserved_frames)
        .u64("min_free", frames.min_free_frames)
        .str("pressure", mm::to_string(frames.pressure))
        .u64("metadata_bytes", frames.metadata_bytes);
    describe_vm_memory(data);
    HostPagingStats paging = host_paging_stats();
    data.object("paging")
        .hex("cr3", paging.cr3)
        .u64("table_pages", paging.table_pages)
        .u64("mapped_bytes", paging.mapped_bytes)
        .u64("firmware_table_pages_freed", paging.firmware_table_pages_freed);
    data.object("image").hex("base", boot.image_base).u64("size_bytes", boot.image_size);
    HeapStats heap = image::heap().stats();
    data.object("heap")
        .hex("base", boot.heap_base)
        .u64("size_bytes", heap.region_bytes)
        .u64("in_use_bytes", heap.reserved_bytes)
        .u64("requested_bytes", heap.requested_bytes)
        .u64("peak_bytes", heap.peak_reserved_bytes)
        .u64("free_bytes", heap.free_bytes)
        .u64("largest_free_block", heap.largest_free_block)
        .u64("live_allocations", heap.live_allocations)
        .u64("metadata_bytes", heap.metadata_bytes);
}

void reboot_command(const Arguments&, Reply& reply, void* context)
{
    platform_of(context).reboot_requested = true;
    reply.data().str("status", "rebooting");
}

void poweroff_command(const Arguments&, Reply& reply, void* context)
{
    platform_of(context).poweroff_requested = true;
    reply.data().str("status", "powering off");
}

const Command platform_commands[] = {
    {"cpu", "", "show the CPU and its virtualization features", cpu_command},
    {"mem", "", "show memory: frames by owner and the pressure state, paging, the firmware's map, the heap", mem_command},
    {"reboot", "", "restart the machine", reboot_command},
    {"poweroff", "", "switch the machine off", poweroff_command},
};

} // namespace

void add_platform_commands(console::Shell& shell) { shell.add_commands(platform_commands); }

} // namespace sp
