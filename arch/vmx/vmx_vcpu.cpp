#include "arch/vmx/vmx_vcpu.hpp"

#include <string.h>

#include "arch/vmx/vmcs_fields.hpp"
#include "arch/vmx/vmcs_setup.hpp"
#include "arch/vmx/vmx_cpu.hpp"
#include "arch/vmx/vmx_instructions.hpp"
#include "arch/x86/cpu.hpp"
#include "arch/x86/descriptors.hpp"
#include "arch/x86/io.hpp"
#include "arch/x86/zeroed_frames.hpp"
#include "hv/lib/format.hpp"
#include "hv/lib/panic.hpp"

extern "C" int vmx_run_guest(sp::vmx::GuestGprs* gprs, int launched);
extern "C" char vmx_exit_landing[];

namespace sp::vmx {
namespace {

namespace msr_index {
constexpr uint32_t efer = 0xc0000080, star = 0xc0000081, lstar = 0xc0000082, cstar = 0xc0000083;
constexpr uint32_t sfmask = 0xc0000084, fs_base = 0xc0000100, gs_base = 0xc0000101;
constexpr uint32_t kernel_gs_base = 0xc0000102, tsc_aux = 0xc0000103, pat = 0x277;
} // namespace msr_index

HostState current_host_state()
{
    x86::DescriptorBases bases = x86::descriptor_bases();
    HostState h;
    h.cr0 = x86::read_cr0();
    h.cr3 = x86::read_cr3();
    h.cr4 = x86::read_cr4();
    h.cs = x86::selector::kernel_code;
    h.ss = h.ds = h.es = h.fs = h.gs = x86::selector::kernel_data;
    h.tr = x86::selector::tss;
    h.fs_base = x86::rdmsr(msr_index::fs_base);
    h.gs_base = x86::rdmsr(msr_index::gs_base);
    h.tr_base = bases.tss;
    h.gdtr_base = bases.gdt;
    h.idtr_base = bases.idt;
    h.efer = x86::rdmsr(msr_index::efer);
    h.pat = x86::rdmsr(msr_index::pat);
    h.rip = reinterpret_cast<uint64_t>(vmx_exit_landing);
    return h;
}

bool field_exists(const VmcsField& f, const PerCpu& pc)
{
    return f.need == FieldNeed::always || (allowed_controls(pc.caps, ControlSet::secondary).may_be_one & secondary::vpid);
}

} // namespace

const char* VmxVcpu::init(mm::FrameAllocator& frames, mm::Owner owner, unsigned cpu, uint16_t vpid, uint64_t eptp,
                          uint64_t rip, uint64_t rsp, uint64_t cr3)
{
    PerCpu& pc = per_cpu(cpu);
    if (!pc.enabled) return "VMX is not enabled on this CPU";
    cpu_ = cpu;
    owner_ = owner;
    // Charged to the VM, so that its frame count covers everything it costs.
    vmcs_pa_ = x86::alloc_zeroed(frames, 0, owner);
    io_bitmaps_pa_ = x86::alloc_zeroed(frames, 1, owner);
    msr_bitmap_pa_ = x86::alloc_zeroed(frames, 0, owner);
    if (!vmcs_pa_ || !io_bitmaps_pa_ || !msr_bitmap_pa_) {
        release(frames);
        return "no memory for the VMCS and bitmaps";
    }
    // Every port and every MSR exits: the common exit handling has the allow-lists.
    memset(reinterpret_cast<void*>(io_bitmaps_pa_), 0xff, 2 * 4096);
    memset(reinterpret_cast<void*>(msr_bitmap_pa_), 0xff, 4096);
    *reinterpret_cast<uint32_t*>(vmcs_pa_) = pc.caps.vmcs_revision();

    VmcsSetup setup;
    setup.controls = pc.controls;
    if (vpid == 0) setup.controls.secondary &= ~secondary::vpid;
    setup.eptp = eptp;
    setup.vpid = vpid;
    setup.io_bitmap_a = io_bitmaps_pa_;
    setup.io_bitmap_b = io_bitmaps_pa_ + 4096;
    setup.msr_bitmap = msr_bitmap_pa_;
    setup.rip = rip;
    setup.rsp = rsp;
    setup.cr3 = cr3;
    setup.host = current_host_state();
    VmcsImage image;
    fill_long_mode_vmcs(image, setup, pc.caps);

    if (!vmclear(vmcs_pa_)) {
        release(frames);
        return "VMCLEAR of the new VMCS failed";
    }
    launched_ = false;
    gprs_ = {};
    msrs_ = {};
    if (const char* problem = write_image(image)) {
        release(frames);
        return problem;
    }
    lazy_msrs_changed();
    return nullptr;
}

const char* VmxVcpu::write_image(const VmcsImage& image)
{
    make_current();
    size_t n = 0;
    const VmcsField* fields = vmcs_field_table(n);
    const PerCpu& pc = per_cpu(cpu_);
    for (size_t i = 0; i < n; ++i) {
        if (!field_exists(fields[i], pc)) continue;
        if (!vmwrite(fields[i].encoding, field_value(image, fields[i]))) {
            format_to(error_, sizeof error_, "VMWRITE of the %s failed (VM-instruction error %llu)", fields[i].name,
                      static_cast<unsigned long long>(vmread(field::instruction_error)));
            return error_;
        }
    }
    return nullptr;
}

void VmxVcpu::make_current()
{
    PerCpu& pc = per_cpu(cpu_);
    if (pc.current_vmcs == vmcs_pa_) return;
    if (!vmptrld(vmcs_pa_)) panic("VMPTRLD of VMCS 0x%llx failed", static_cast<unsigned long long>(vmcs_pa_));
    pc.current_vmcs = vmcs_pa_;
}

void VmxVcpu::write(uint32_t field, uint64_t value)
{
    make_current();
    if (!vmwrite(field, value)) panic("VMWRITE of field 0x%x failed", field);
}

void VmxVcpu::lazy_msrs_changed()
{
    PerCpu& pc = per_cpu(cpu_);
    if (pc.lazy_msrs_owner == this) pc.lazy_msrs_owner = nullptr;
}

void VmxVcpu::load_lazy_msrs()
{
    PerCpu& pc = per_cpu(cpu_);
    if (pc.lazy_msrs_owner == this) return;
    x86::wrmsr(msr_index::star, msrs_.star);
    x86::wrmsr(msr_index::lstar, msrs_.lstar);
    x86::wrmsr(msr_index::cstar, msrs_.cstar);
    x86::wrmsr(msr_index::sfmask, msrs_.sfmask);
    x86::wrmsr(msr_index::kernel_gs_base, msrs_.kernel_gs_base);
    if (pc.has_rdtscp) x86::wrmsr(msr_index::tsc_aux, msrs_.tsc_aux);
    pc.lazy_msrs_owner = this;
}

const ExitSnapshot& VmxVcpu::run(unsigned cpu, const vm::EventInjection& event, uint64_t slice_tsc)
{
    SP_ASSERT(cpu == cpu_);
    make_current();
    const PerCpu& pc = per_cpu(cpu_);
    if (event.pending) {
        write(field::entry_interruption_info, encode_event(event));
        if (event.has_error_code) write(field::entry_exception_error_code, event.error_code);
    }
    uint64_t timer = slice_tsc >> pc.caps.preemption_timer_rate();
    write(field::preemption_timer_value, timer > 0xffffffffull ? 0xffffffffull : timer);
    load_lazy_msrs();

    int outcome = vmx_run_guest(&gprs_, launched_ ? 1 : 0);
    x86::reload_descriptor_table_registers(); // the exit left both limits at 0xFFFF

    snapshot_ = ExitSnapshot{};
    snapshot_.outcome = outcome == 0 ? EntryOutcome::exited : outcome == 1 ? EntryOutcome::fail_invalid
                                                                           : EntryOutcome::fail_valid;
    if (snapshot_.outcome != EntryOutcome::fail_invalid) {
        size_t n = 0;
        const uint32_t* fields = snapshot_fields(n);
        for (size_t i = 0; i < n; ++i) set_snapshot_field(snapshot_, fields[i], vmread(fields[i]));
    }
    if (snapshot_.outcome == EntryOutcome::fail_valid)
        snapshot_.instruction_error = static_cast<uint32_t>(vmread(field::instruction_error));
    if (snapshot_.outcome == EntryOutcome::exited && !(snapshot_.exit_reason & (1u << 31))) {
        launched_ = true;
        msrs_.kernel_gs_base = x86::rdmsr(msr_index::kernel_gs_base); // SWAPGS changes it without an exit
    }
    // Exits leave IF clear and interrupts are not acknowledged on exit: the host's pending
    // interrupt (the timer that ended the slice) is taken here.
    asm volatile("sti; nop; cli" ::: "memory");
    return snapshot_;
}

void VmxVcpu::read_back(VmcsImage& out)
{
    make_current();
    out = VmcsImage{};
    size_t n = 0;
    const VmcsField* fields = vmcs_field_table(n);
    const PerCpu& pc = per_cpu(cpu_);
    for (size_t i = 0; i < n; ++i)
        if (field_exists(fields[i], pc)) field_value(out, fields[i]) = vmread(fields[i].encoding);
}

void VmxVcpu::release(mm::FrameAllocator& frames)
{
    PerCpu& pc = per_cpu(cpu_);
    if (vmcs_pa_) {
        vmclear(vmcs_pa_); // written back and no longer cached before the frame is reused
        if (pc.current_vmcs == vmcs_pa_) pc.current_vmcs = 0;
        frames.free(vmcs_pa_, 0, owner_);
    }
    if (pc.lazy_msrs_owner == this) pc.lazy_msrs_owner = nullptr;
    if (io_bitmaps_pa_) frames.free(io_bitmaps_pa_, 1, owner_);
    if (msr_bitmap_pa_) frames.free(msr_bitmap_pa_, 0, owner_);
    vmcs_pa_ = io_bitmaps_pa_ = msr_bitmap_pa_ = 0;
    launched_ = false;
}

} // namespace sp::vmx
