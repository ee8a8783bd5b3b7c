#include "hv/vm/vm.hpp"

#include "hv/lib/format.hpp"
#include "hv/lib/panic.hpp"

namespace sp::vm {

const char* vm_state_name(VmState state)
{
    switch (state) {
    case VmState::created: return "created";
    case VmState::running: return "running";
    case VmState::paused: return "paused";
    case VmState::stopped: return "stopped";
    case VmState::exited: return "exited";
    }
    return "unknown";
}

const char* verdict_name(Verdict verdict)
{
    switch (verdict) {
    case Verdict::none: return "none";
    case Verdict::passed: return "passed";
    case Verdict::failed: return "failed";
    }
    return "unknown";
}

void Vm::init(uint32_t id, const VmConfig& config, const HostServices* host)
{
    id_ = id;
    config_ = config;
    size_t n = __builtin_strlen(config.name);
    SP_ASSERT(n <= kMaxNameLength); // the registry validated it
    __builtin_memcpy(name_, config.name, n);
    name_[n] = '\0';
    config_.name = name_;
    if (config_.ram_count == 0) {
        config_.ram[0] = {0, config.memory_bytes};
        config_.ram_count = 1;
    }
    host_ = host;
    state_ = VmState::created;
    kill_ = pause_ = console_attached_ = false;
    for (uint32_t i = 0; i < kMaxVcpus; ++i) {
        vcpus_[i] = Vcpu{};
        vcpus_[i].vm_ = this;
        vcpus_[i].index_ = i;
    }
    for (auto& e : exits_) e = 0;
    counters = VmCounters{};
    verdict_ = Verdict::none;
    verdict_code_ = 0;
    figure_count_ = 0;
    message_[0] = '\0';
    limiter_ = DiagLimiter{};
    log_.clear();
    uart_.reset();
}

Vcpu& Vm::vcpu(uint32_t index)
{
    SP_ASSERT(index < config_.vcpu_count);
    return vcpus_[index];
}

bool Vm::in_ram(uint64_t gpa, uint64_t length) const
{
    for (uint8_t i = 0; i < config_.ram_count; ++i) {
        const RamRange& r = config_.ram[i];
        if (gpa >= r.base && gpa - r.base < r.size && length <= r.size - (gpa - r.base)) return true;
    }
    return false;
}

void Vm::request_kill()
{
    __atomic_store_n(&kill_, true, __ATOMIC_RELEASE);
    VmState s = state();
    // No vCPU is inside the guest in these states: nobody else would see the request.
    if (s == VmState::created || s == VmState::paused) {
        set_state(VmState::stopped);
        diagnose("killed from the console");
    }
}

void Vm::pause_for_memory()
{
    __atomic_store_n(&memory_wait_, true, __ATOMIC_RELEASE);
    if (state() == VmState::running) set_state(VmState::paused);
}

void Vm::resume()
{
    __atomic_store_n(&pause_, false, __ATOMIC_RELEASE);
    __atomic_store_n(&memory_wait_, false, __ATOMIC_RELEASE);
    if (state() == VmState::paused) set_state(VmState::running);
}

void Vm::prepare_restart()
{
    for (uint32_t i = 0; i < kMaxVcpus; ++i) {
        vcpus_[i].pending_event = EventInjection{};
        vcpus_[i].halted = false;
    }
    uart_.reset();
}

uint64_t Vm::exits(ExitKind kind) const
{
    unsigned i = static_cast<unsigned>(kind);
    return i < kExitKindCount ? __atomic_load_n(&exits_[i], __ATOMIC_RELAXED) : 0;
}

uint64_t Vm::total_exits() const
{
    uint64_t sum = 0;
    for (unsigned i = 0; i < kExitKindCount; ++i) sum += exits(static_cast<ExitKind>(i));
    return sum;
}

void Vm::count_exit(ExitKind kind)
{
    unsigned i = static_cast<unsigned>(kind);
    SP_ASSERT(i < kExitKindCount);
    __atomic_fetch_add(&exits_[i], 1, __ATOMIC_RELAXED);
}

void Vm::set_verdict(Verdict verdict, uint64_t code)
{
    verdict_ = verdict;
    verdict_code_ = code;
}

bool Vm::set_figure(const char* name, uint64_t value)
{
    size_t n = __builtin_strlen(name);
    if (n == 0 || n > kMaxFigureName) return false;
    for (size_t i = 0; i < figure_count_; ++i) {
        if (__builtin_strcmp(figures_[i].name, name) == 0) {
            figures_[i].value = value;
            return true;
        }
    }
    if (figure_count_ == kMaxFigures) return false;
    Figure& f = figures_[figure_count_++];
    __builtin_memcpy(f.name, name, n + 1);
    f.value = value;
    return true;
}

void Vm::vdiagnose(const char* fmt, va_list args)
{
    BufferSink line(message_, sizeof message_);
    format(line, "vm %u (%s): ", id_, name_);
    vformat(line, fmt, args);
    if (host_ && host_->diagnostics) format(*host_->diagnostics, "%s\n", message_);
}

void Vm::diagnose(const char* fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    vdiagnose(fmt, args);
    va_end(args);
}

void Vm::diagnose_limited(const char* fmt, ...)
{
    uint64_t now = config_.services.guest_ticks(config_.services.context);
    DiagLimiter::Decision d = limiter_.check(now, config_.services.ticks_per_second);
    if (!d.print) return;
    if (d.suppressed) diagnose("%llu similar lines suppressed", static_cast<unsigned long long>(d.suppressed));
    va_list args;
    va_start(args, fmt);
    vdiagnose(fmt, args);
    va_end(args);
}

} // namespace sp::vm
