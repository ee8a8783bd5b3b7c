#include "hv/platform/cpu_report.hpp"

#include "hv/lib/format.hpp"

namespace sp {
namespace {
const char* yn(bool b) { return b ? "yes" : "no"; }
} // namespace

void print_cpu_line(Sink& out, const x86::CpuFeatures& cpu)
{
    format(out, "%s (%s) \"%s\" family %u model %u stepping %u%s\n", x86::vendor_name(cpu.vendor),
           cpu.vendor_id, cpu.brand, cpu.family, cpu.model, cpu.stepping,
           cpu.under_hypervisor ? ", nested under a hypervisor" : "");
}

void print_virtualization_line(Sink& out, const x86::CpuFeatures& cpu)
{
    if (const char* problem = x86::virtualization_problem(cpu)) {
        format(out, "NOT AVAILABLE: %s. Guests cannot run; the console stays available.\n", problem);
        return;
    }
    if (cpu.vmx.supported) {
        const auto& v = cpu.vmx;
        format(out, "Intel VMX (VMCS rev 0x%x), EPT yes, EPT 2M %s, EPT 1G %s, EPT A/D %s, "
                    "unrestricted guest %s, VPID %s, feature control %s\n",
               v.vmcs_revision, yn(v.ept_2m), yn(v.ept_1g), yn(v.ept_ad), yn(v.unrestricted_guest),
               yn(v.vpid), v.feature_control_locked ? "locked on" : "unlocked");
        return;
    }
    const auto& s = cpu.svm;
    format(out, "AMD SVM rev %u, NPT yes, %u ASIDs, NRIPS %s, FlushByAsid %s, DecodeAssists %s, "
                "1G pages %s\n",
           s.revision, s.asids, yn(s.nrips), yn(s.flush_by_asid), yn(s.decode_assists), yn(cpu.page_1g));
}

} // namespace sp
