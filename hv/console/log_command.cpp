#include "hv/console/log_command.hpp"

#include "hv/console/arguments.hpp"
#include "hv/console/command.hpp"
#include "hv/console/reply.hpp"

namespace sp::console {
namespace {

const DiagnosticLog* bound_log = nullptr;

void log_command(const Arguments& args, Reply& reply, void*)
{
    const DiagnosticLog& log = *bound_log;
    uint64_t count = DiagnosticLog::kEntries;
    if (args.count() > 0 && !args.unsigned_at(0, 1, DiagnosticLog::kEntries, count, reply)) return;
    size_t shown = log.size() < count ? log.size() : static_cast<size_t>(count);
    Object data = reply.data();
    data.u64("total", log.total()).u64("dropped", log.dropped());
    Table lines = data.table("lines");
    for (size_t i = log.size() - shown; i < log.size(); ++i) {
        const DiagnosticLog::Entry& e = log.at(i);
        lines.row().u64("seq", e.seq).u64("time_ms", e.ms).str("text", e.text);
    }
}

const Command kLogCommands[] = {
    {"log", "[COUNT]", "show the newest diagnostics (guest stops, memory pressure), at most 32", log_command,
     0, 1},
};

} // namespace

void add_log_command(Shell& shell, const DiagnosticLog& log)
{
    bound_log = &log;
    shell.add_commands(kLogCommands);
}

} // namespace sp::console
