# arch/: x86-64 specifics. Decoders of raw CPU data are PORTABLE (host-tested); code that touches
# the CPU is IMAGE only.
list(APPEND SAMEPAGE_PORTABLE_SOURCES
  arch/x86/cpu_features.cpp
  arch/x86/exception_names.cpp
  arch/svm/asid_allocator.cpp
  arch/svm/entry_flush.cpp
  arch/svm/intercepts.cpp
  arch/svm/svm_exit_decode.cpp
  arch/svm/vmcb_setup.cpp
  arch/svm/vmrun_checks.cpp
  arch/vmx/eptp.cpp
  arch/vmx/vm_entry_checks.cpp
  arch/vmx/vmcs_image.cpp
  arch/vmx/vmcs_setup.cpp
  arch/vmx/vmx_controls.cpp
  arch/vmx/vmx_exit_decode.cpp
  arch/vmx/vmx_exit_reasons.cpp
  arch/vmx/vmx_intercepts.cpp
  arch/vmx/vpid_allocator.cpp
)
list(APPEND SAMEPAGE_IMAGE_SOURCES
  arch/x86/cpu_probe.cpp
  arch/x86/extended_state.cpp
  arch/x86/descriptors.cpp
  arch/x86/exception_entry.S
  arch/x86/exception_report.cpp
  arch/x86/interrupt_entry.S
  arch/x86/lapic_timer.cpp
  arch/x86/serial_16550.cpp
  arch/x86/switch_stack.S
  arch/x86/test_exit.cpp
  arch/svm/svm_cpu.cpp
  arch/svm/svm_entry.S
  arch/svm/svm_vcpu.cpp
  arch/vmx/vmx_cpu.cpp
  arch/vmx/vmx_entry.S
  arch/vmx/vmx_probe.cpp
  arch/vmx/vmx_vcpu.cpp
)
