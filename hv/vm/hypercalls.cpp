#include "hv/vm/hypercalls.hpp"

namespace sp::vm {
namespace {

uint64_t result(int64_t value) { return static_cast<uint64_t>(value); }

bool read(Vm& vm, uint64_t gpa, void* out, size_t length)
{
    const VmServices& s = vm.services();
    return s.read_guest(s.context, gpa, out, length);
}

int64_t print(Vm& vm, uint64_t gpa, uint64_t length)
{
    if (length > hypercall::kMaxPrint) return hypercall::bad_argument;
    if (length == 0) return 0;
    // The whole buffer the guest names must be RAM, so a bad call prints nothing.
    if (!vm.in_ram(gpa, length)) return hypercall::bad_address;
    char chunk[64];
    uint64_t done = 0;
    while (done < length) {
        size_t n = length - done < sizeof chunk ? static_cast<size_t>(length - done) : sizeof chunk;
        if (!read(vm, gpa + done, chunk, n)) return hypercall::bad_address;
        const void* nul = __builtin_memchr(chunk, 0, n);
        size_t text = nul ? static_cast<size_t>(static_cast<const char*>(nul) - chunk) : n;
        vm.log().write(chunk, text);
        done += text;
        if (nul) break;
    }
    return static_cast<int64_t>(done);
}

bool figure_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

int64_t report_figure(Vm& vm, uint64_t gpa, uint64_t value)
{
    char name[kMaxFigureName + 1];
    // Byte by byte: a short name may sit at the very end of RAM.
    for (size_t i = 0;; ++i) {
        if (i > kMaxFigureName) return hypercall::bad_argument;
        if (gpa + i < gpa || !vm.in_ram(gpa + i, 1) || !read(vm, gpa + i, &name[i], 1))
            return hypercall::bad_address;
        if (name[i] == '\0') {
            if (i == 0) return hypercall::bad_argument;
            break;
        }
        if (!figure_name_char(name[i])) return hypercall::bad_argument;
    }
    return vm.set_figure(name, value) ? 0 : hypercall::no_room;
}

} // namespace

HypercallEffect handle_hypercall(Vcpu& vcpu, GuestState& guest)
{
    Vm& vm = vcpu.vm();
    if (guest.cpl != 0) {
        guest.rax = result(hypercall::not_permitted);
        return HypercallEffect::resume;
    }
    switch (guest.rax) {
    case hypercall::version: guest.rax = kHypercallVersion; break;
    case hypercall::print: guest.rax = result(print(vm, guest.rbx, guest.rcx)); break;
    case hypercall::report_result: {
        if (guest.rbx > 1) {
            guest.rax = result(hypercall::bad_argument);
            break;
        }
        bool passed = guest.rbx == 1;
        vm.set_verdict(passed ? Verdict::passed : Verdict::failed, guest.rcx);
        guest.rax = 0;
        vm.set_state(VmState::exited);
        vm.diagnose("test %s (code %llu) at rip 0x%llx", passed ? "passed" : "failed",
                    static_cast<unsigned long long>(guest.rcx), static_cast<unsigned long long>(guest.rip));
        return HypercallEffect::vm_exited;
    }
    case hypercall::report_figure: guest.rax = result(report_figure(vm, guest.rbx, guest.rcx)); break;
    case hypercall::take_request: guest.rax = vm.take_request(); break;
    default:
        ++vm.counters.hypercalls_unknown;
        vm.diagnose_limited("unknown hypercall %llu at rip 0x%llx", static_cast<unsigned long long>(guest.rax),
                            static_cast<unsigned long long>(guest.rip));
        guest.rax = result(hypercall::unknown_function);
        break;
    }
    return HypercallEffect::resume;
}

} // namespace sp::vm
