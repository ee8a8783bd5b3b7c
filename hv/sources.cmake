# hv/: hypervisor core. PORTABLE builds for the host tests and the image; IMAGE only for the
# image; HOST only for host builds (host stand-ins for what the image provides itself).
list(APPEND SAMEPAGE_PORTABLE_SOURCES
  hv/console/arguments.cpp
  hv/console/command_table.cpp
  hv/console/commands_builtin.cpp
  hv/console/line_editor.cpp
  hv/console/numbers.cpp
  hv/console/reply.cpp
  hv/console/reply_json.cpp
  hv/console/reply_text.cpp
  hv/console/shell.cpp
  hv/console/tokenizer.cpp
  hv/guest/test_guest_loader.cpp
  hv/lib/sink.cpp
  hv/lib/format.cpp
  hv/platform/acpi_rsdp.cpp
  hv/platform/boot_config.cpp
  hv/platform/cpu_report.cpp
  hv/platform/firmware_memory.cpp
  hv/platform/memory_regions.cpp
  hv/vm/cpuid_policy.cpp
  hv/vm/exit_dispatcher.cpp
  hv/vm/exit_names.cpp
  hv/vm/guest_log.cpp
  hv/vm/hypercalls.cpp
  hv/vm/msr_table.cpp
  hv/vm/port_io.cpp
  hv/vm/uart16550.cpp
  hv/vm/vm.cpp
  hv/vm/vm_commands.cpp
  hv/vm/vm_registry.cpp
  hv/vm/xsetbv_policy.cpp
)
list(APPEND SAMEPAGE_IMAGE_SOURCES
  hv/guest/test_guest_table.cpp
  hv/guest/test_guests.S
  hv/image/banner.cpp
  hv/image/console.cpp
  hv/image/console_loop.cpp
  hv/image/free_canary.cpp
  hv/image/hypervisor_main.cpp
  hv/image/memory_setup.cpp
  hv/image/platform_commands.cpp
  hv/image/selftest_commands.cpp
  hv/image/svm_guest.cpp
  hv/image/vmx_guest.cpp
  hv/image/vm_host.cpp
  hv/rt/cxa.cpp
  hv/rt/init_array.cpp
  hv/rt/new_delete.cpp
  hv/rt/panic_image.cpp
  hv/rt/startup_probe.cpp
  hv/rt/string.cpp
)
list(APPEND SAMEPAGE_HOST_SOURCES
  hv/lib/panic_host.cpp
)
