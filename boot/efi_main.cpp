// UEFI entry: learn what the firmware knows (image, configuration, CPU, ACPI, memory), leave
// boot services, and hand over to the hypervisor on a stack of its own.
#include "arch/x86/cpu_probe.hpp"
#include "arch/x86/switch_stack.hpp"
#include "arch/x86/test_exit.hpp"
#include "boot/uefi.hpp"
#include "boot/uefi_allocator_storage.hpp"
#include "boot/uefi_exit.hpp"
#include "boot/uefi_files.hpp"
#include "hv/image/console.hpp"
#include "hv/image/heap.hpp"
#include "hv/image/hypervisor_main.hpp"
#include "hv/lib/format.hpp"
#include "hv/platform/boot_info.hpp"
#include "hv/lib/panic.hpp"
#include <string.h>
#include "hv/rt/init_array.hpp"

namespace sp::boot {
namespace {

BootInfo boot_info;
EFI_RUNTIME_SERVICES* runtime_services = nullptr;
alignas(16) unsigned char hypervisor_stack[256 * 1024];

void firmware_reset(ResetKind kind)
{
    // Runtime services stay callable after ExitBootServices in physical mode (we never call
    // SetVirtualAddressMap).
    EFI_RESET_TYPE type = kind == ResetKind::power_off ? EfiResetShutdown : EfiResetCold;
    runtime_services->ResetSystem(type, EFI_SUCCESS, 0, nullptr);
}

void read_configuration(EFI_SYSTEM_TABLE* st, EFI_LOADED_IMAGE* image, BootConfig& config)
{
    Sink& out = image::console();
    CHAR16 path[160];
    image_directory(image, path, 140);
    size_t n = 0;
    while (path[n]) ++n;
    auto name = reinterpret_cast<const CHAR16*>(u"samepage.cfg");
    for (size_t i = 0; name[i] && n + 1 < sizeof path / sizeof path[0]; ++i) path[n++] = name[i];
    path[n] = 0;
    char shown[160];
    ucs2_to_ascii(path, n, shown, sizeof shown);

    FileData file = read_file(st->BootServices, image->DeviceHandle, path);
    if (EFI_ERROR(file.status)) {
        format(out, "config: %s not read (EFI status 0x%llx); using defaults\n", shown,
               static_cast<unsigned long long>(file.status));
    } else {
        int bad = apply_config_file(config, file.data, file.size, shown, out);
        format(out, "config: %s (%zu bytes, %d bad line%s)\n", shown, file.size, bad, bad == 1 ? "" : "s");
    }
    if (image->LoadOptionsSize > 0 && image->LoadOptions) {
        size_t chars = image->LoadOptionsSize / sizeof(CHAR16);
        ucs2_to_ascii(static_cast<const CHAR16*>(image->LoadOptions), chars, boot_info.load_options,
                      sizeof boot_info.load_options);
        apply_load_options(config, boot_info.load_options, strlen(boot_info.load_options), out);
    }
}

uint64_t find_rsdp(EFI_SYSTEM_TABLE* st)
{
    EFI_GUID acpi20 = ACPI_20_TABLE_GUID;
    EFI_GUID acpi10 = ACPI_TABLE_GUID;
    uint64_t found = 0;
    for (UINTN i = 0; i < st->NumberOfTableEntries; ++i) {
        const EFI_CONFIGURATION_TABLE& t = st->ConfigurationTable[i];
        if (memcmp(&t.VendorGuid, &acpi20, sizeof acpi20) == 0) return reinterpret_cast<uint64_t>(t.VendorTable);
        if (memcmp(&t.VendorGuid, &acpi10, sizeof acpi10) == 0) found = reinterpret_cast<uint64_t>(t.VendorTable);
    }
    return found;
}

void set_test_exit(TestExit exit)
{
    switch (exit) {
    case TestExit::none: x86::set_test_exit_device(x86::TestExitDevice::none); break;
    case TestExit::qemu: x86::set_test_exit_device(x86::TestExitDevice::qemu_debug_exit); break;
    case TestExit::bochs: x86::set_test_exit_device(x86::TestExitDevice::bochs_shutdown_port); break;
    }
}

void enter_hypervisor(void*) { hypervisor_main(boot_info); }

} // namespace
} // namespace sp::boot

using namespace sp;
using namespace sp::boot;

extern "C" __attribute__((visibility("default"))) EFI_STATUS efi_main(EFI_HANDLE image_handle, EFI_SYSTEM_TABLE* st)
{
    size_t constructors = rt::run_global_constructors();
    image::console_init();
    Sink& out = image::console();
    EFI_BOOT_SERVICES* bs = st->BootServices;
    runtime_services = st->RuntimeServices;
    bs->SetWatchdogTimer(0, 0, 0, nullptr); // the firmware would reset us after 5 minutes

    format(out, "\nSamepage %s starting\n", SAMEPAGE_VERSION);
    boot_info.global_constructors = constructors;
    boot_info.firmware_reset = firmware_reset;
    ucs2_to_ascii(st->FirmwareVendor, 64, boot_info.firmware_vendor, sizeof boot_info.firmware_vendor);
    boot_info.firmware_revision = st->FirmwareRevision;

    EFI_GUID loaded_image_guid = LOADED_IMAGE_PROTOCOL;
    EFI_LOADED_IMAGE* image = nullptr;
    EFI_STATUS status = bs->HandleProtocol(image_handle, &loaded_image_guid, reinterpret_cast<void**>(&image));
    if (EFI_ERROR(status)) panic("cannot get the loaded-image protocol (EFI status 0x%llx)", (unsigned long long)status);
    boot_info.image_base = reinterpret_cast<uint64_t>(image->ImageBase);
    boot_info.image_size = image->ImageSize;

    read_configuration(st, image, boot_info.config);
    set_test_exit(boot_info.config.test_exit);
    boot_info.cpu = x86::decode_cpu_features(x86::probe_cpu());
    boot_info.rsdp_address = find_rsdp(st);
    if (boot_info.rsdp_address)
        boot_info.rsdp = parse_rsdp(reinterpret_cast<const uint8_t*>(boot_info.rsdp_address), 36);

    EFI_PHYSICAL_ADDRESS heap = 0;
    UINTN heap_pages = static_cast<UINTN>(boot_info.config.heap_mib) * 256;
    status = bs->AllocatePages(AllocateAnyPages, EfiLoaderData, heap_pages, &heap);
    if (EFI_ERROR(status))
        panic("cannot allocate the %u MiB heap (EFI status 0x%llx); lower heap_mib in samepage.cfg",
              boot_info.config.heap_mib, (unsigned long long)status);
    boot_info.heap_base = heap;
    boot_info.heap_size = heap_pages * 4096ull;
    if (!image::heap().init(reinterpret_cast<void*>(heap), boot_info.heap_size))
        panic("the heap region is too small to hold the heap's own metadata");

    allocate_frame_allocator_storage(bs, boot_info.allocator_storage_base, boot_info.allocator_storage_size);

    format(out, "leaving boot services\n");
    image::console().flush();
    ExitResult exit = exit_boot_services(image_handle, st);
    if (exit.status != EFI_SUCCESS)
        panic("ExitBootServices failed after %u attempts (EFI status 0x%llx)", exit.attempts,
              (unsigned long long)exit.status);
    boot_info.memory_map = exit.regions;
    boot_info.memory_map_count = exit.region_count;
    boot_info.exit_boot_services_attempts = exit.attempts;

    switch_stack_and_call(hypervisor_stack + sizeof hypervisor_stack, enter_hypervisor, nullptr);
}
