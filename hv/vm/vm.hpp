// A virtual machine and its vCPUs as the common code sees them: identity, state, exit
// counters, the serial log, the verdict of a test guest. Vendor state (VMCB/VMCS) lives in the
// back-end's own vCPU object; guest RAM in the memory side. Created only by the VmRegistry.
#pragma once
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "hv/vm/diag_limiter.hpp"
#include "hv/vm/exit.hpp"
#include "hv/vm/guest_log.hpp"
#include "hv/vm/guest_state.hpp"
#include "hv/vm/services.hpp"
#include "hv/vm/uart16550.hpp"

namespace sp::vm {

enum class VmState : uint8_t { created, running, paused, stopped, exited };
const char* vm_state_name(VmState state);

enum class TripleFaultPolicy : uint8_t { stop, restart };
enum class Verdict : uint8_t { none, passed, failed };
const char* verdict_name(Verdict verdict);

inline constexpr size_t kMaxNameLength = 31;
inline constexpr size_t kMaxRamRanges = 4;
inline constexpr uint32_t kMaxVcpus = 4;
inline constexpr size_t kMaxFigures = 16;
inline constexpr size_t kMaxFigureName = 31;
inline constexpr size_t kMessageBytes = 192;

struct RamRange {
    uint64_t base, size;
};

struct VmConfig {
    const char* name = nullptr; // 1-31 characters [A-Za-z0-9._-], not only digits; copied
    uint64_t memory_bytes = 0;  // > 0
    // Guest-physical RAM; none given: [0, memory_bytes). Faults outside it stop the VM.
    RamRange ram[kMaxRamRanges] = {};
    uint8_t ram_count = 0;
    uint32_t vcpu_count = 1;
    TripleFaultPolicy on_triple_fault = TripleFaultPolicy::stop;
    VmServices services;
};

class Vm;

class Vcpu {
public:
    Vm& vm() const { return *vm_; }
    uint32_t index() const { return index_; }

    // Set by the dispatcher, delivered and cleared by the back-end on the next entry.
    EventInjection pending_event{};
    // HLT with interrupts enabled: the scheduler should not run this vCPU until an interrupt
    // is pending. The back-end/scheduler clears it.
    bool halted = false;
    uint64_t exits = 0;

    // The same exception reflected again and again at the same RIP, with no other exit in
    // between: the guest makes no progress (the dispatcher stops it past a limit).
    struct ExceptionStreak {
        uint8_t vector = 0;
        uint64_t rip = 0;
        uint32_t count = 0;
    } exception_streak;

private:
    friend class Vm;
    Vm* vm_ = nullptr;
    uint32_t index_ = 0;
};

struct Figure {
    char name[kMaxFigureName + 1];
    uint64_t value;
};

// Counters of decisions that are not exit kinds; shown by `vm info`.
struct VmCounters {
    uint64_t restarts = 0;
    uint64_t io_ignored = 0;   // accesses to the ignore-list
    uint64_t io_unhandled = 0; // accesses to ports nobody models
    uint64_t gp_injected = 0;  // #GP(0) for MSRs and XSETBV
    uint64_t ac_reflected = 0;
    uint64_t db_reflected = 0;
    uint64_t other_reflected = 0;
    uint64_t hypercalls_unknown = 0;
};

class Vm {
public:
    uint32_t id() const { return id_; }
    const char* name() const { return name_; }
    const VmConfig& config() const { return config_; }
    const VmServices& services() const { return config_.services; }
    const HostServices& host() const { return *host_; }

    VmState state() const { return __atomic_load_n(&state_, __ATOMIC_ACQUIRE); }
    void set_state(VmState state) { __atomic_store_n(&state_, state, __ATOMIC_RELEASE); }
    // The embedder starts the VM once its back-end and memory are ready.
    void mark_running() { set_state(VmState::running); }

    uint32_t vcpu_count() const { return config_.vcpu_count; }
    Vcpu& vcpu(uint32_t index);

    bool in_ram(uint64_t gpa, uint64_t length) const;

    // Requests from the console or the scheduler, seen by the dispatcher at the next exit
    // (a vCPU may be inside the guest right now). A VM not running stops at once.
    void request_kill();
    bool kill_requested() const { return __atomic_load_n(&kill_, __ATOMIC_ACQUIRE); }
    void request_pause() { __atomic_store_n(&pause_, true, __ATOMIC_RELEASE); }
    bool pause_requested() const { return __atomic_load_n(&pause_, __ATOMIC_ACQUIRE); }
    // Resumes a paused VM (the scheduler enters it again).
    void resume();
    // No frame could be found for the guest's memory: the VM is paused until memory is freed
    // (the scheduler then resumes it and the guest retries its access).
    void pause_for_memory();
    bool waiting_for_memory() const { return __atomic_load_n(&memory_wait_, __ATOMIC_ACQUIRE); }

    // A request word from the console for the guest (`vm request`), taken by its hypercall 4.
    // Test guests define what the words mean (docs/test-guests.md); 0 is "nothing".
    void post_request(uint64_t word) { __atomic_store_n(&request_, word, __ATOMIC_RELEASE); }
    uint64_t take_request() { return __atomic_exchange_n(&request_, 0, __ATOMIC_ACQ_REL); }
    // After a `restart` action, before the guest runs again: vCPUs (pending event, halted) and
    // devices (UART registers) start over as after power-on. Log, counters, id and name stay.
    void prepare_restart();

    // Counters.
    uint64_t exits(ExitKind kind) const;
    uint64_t total_exits() const;
    void count_exit(ExitKind kind);
    VmCounters counters;

    // Test guests: verdict and code of hypercall 2; named figures of hypercall 3.
    Verdict verdict() const { return verdict_; }
    uint64_t verdict_code() const { return verdict_code_; }
    void set_verdict(Verdict verdict, uint64_t code);
    // False when the table is full (a repeated name overwrites its value).
    bool set_figure(const char* name, uint64_t value);
    size_t figure_count() const { return figure_count_; }
    const Figure& figure(size_t index) const { return figures_[index]; }

    GuestLog& log() { return log_; }
    const GuestLog& log() const { return log_; }
    Uart16550& uart() { return uart_; }
    // The host console is attached to this VM's serial port (vm console): its output already
    // streams there, so `log follow` leaves it out.
    bool console_attached() const { return console_attached_; }
    void set_console_attached(bool on) { console_attached_ = on; }

    // "vm N (name): <text>" written to the host's diagnostics sink and kept as last_message.
    // The rate-limited form is for diagnostics a guest can trigger at will.
    void diagnose(const char* fmt, ...) __attribute__((format(printf, 2, 3)));
    void diagnose_limited(const char* fmt, ...) __attribute__((format(printf, 2, 3)));
    const char* last_message() const { return message_; }
    uint64_t diagnostics_suppressed() const { return limiter_.suppressed_total(); }

private:
    friend class VmRegistry;
    void init(uint32_t id, const VmConfig& config, const HostServices* host);
    void vdiagnose(const char* fmt, va_list args);

    uint32_t id_ = 0;
    char name_[kMaxNameLength + 1] = {};
    VmConfig config_{};
    const HostServices* host_ = nullptr;
    VmState state_ = VmState::created;
    bool kill_ = false;
    bool pause_ = false;
    bool memory_wait_ = false;
    uint64_t request_ = 0;
    bool console_attached_ = false;
    Vcpu vcpus_[kMaxVcpus];
    uint64_t exits_[kExitKindCount] = {};
    Verdict verdict_ = Verdict::none;
    uint64_t verdict_code_ = 0;
    Figure figures_[kMaxFigures];
    size_t figure_count_ = 0;
    char message_[kMessageBytes] = {};
    DiagLimiter limiter_;
    GuestLog log_;
    Uart16550 uart_;
};

} // namespace sp::vm
