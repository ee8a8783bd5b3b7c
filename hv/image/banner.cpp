#include "hv/image/banner.hpp"

#include "hv/lib/format.hpp"
#include "hv/platform/cpu_report.hpp"
#include "hv/rt/startup_probe.hpp"

namespace sp {

void print_banner(Sink& out, const BootInfo& info)
{
    using ull = unsigned long long;
    format(out, "Samepage %s - x86-64 hypervisor with page sharing\n", SAMEPAGE_VERSION);
    format(out, "runtime: %zu global constructors ran, startup probe %s\n", info.global_constructors,
           rt::global_constructor_ran() ? "ok" : "FAILED (constructors did not run)");
    format(out, "firmware: %s rev 0x%x; image at 0x%llx, %llu KiB\n", info.firmware_vendor,
           info.firmware_revision, (ull)info.image_base, (ull)(info.image_size / 1024));
    format(out, "cpu: %s", "");
    print_cpu_line(out, info.cpu);
    format(out, "virtualization: ");
    print_virtualization_line(out, info.cpu);
    auto mem = summarize_firmware_memory(info.memory_map, info.memory_map_count);
    format(out, "memory: %llu MiB RAM, %llu MiB usable after boot services, %zu map regions\n",
           (ull)(mem.total_pages / 256), (ull)(mem.usable_pages / 256), mem.regions);
    if (info.rsdp.valid)
        format(out, "acpi: RSDP at 0x%llx, revision %u, OEM '%s'\n", (ull)info.rsdp_address,
               info.rsdp.revision, info.rsdp.oem_id);
    else
        format(out, "acpi: %s\n", info.rsdp_address ? info.rsdp.problem : "no RSDP from the firmware");
    format(out, "boot services: exited after %u attempt%s; own GDT, TSS and IDT loaded\n",
           info.exit_boot_services_attempts, info.exit_boot_services_attempts == 1 ? "" : "s");
    format(out, "heap: %llu MiB at 0x%llx\n", (ull)(info.heap_size >> 20), (ull)info.heap_base);
    if (info.config.test_exit != TestExit::none)
        format(out, "test mode: poweroff and panic end the emulator (%s)\n", test_exit_name(info.config.test_exit));
}

} // namespace sp
