// A Sink for output that is not a reply: it collects whole lines and writes each between the
// shell's begin_async_output()/end_async_output(), so a diagnostic never splits a line being
// typed (and a tool reading the echo of what it typed sees it whole).
#pragma once
#include <stddef.h>

#include "hv/console/shell.hpp"
#include "hv/lib/sink.hpp"

namespace sp::console {

class AsyncLines final : public Sink {
public:
    AsyncLines(Sink& out, Shell* shell = nullptr) : out_(out), shell_(shell) {}
    void attach(Shell* shell) { shell_ = shell; }
    void write(const char* data, size_t length) override;

private:
    void flush();

    Sink& out_;
    Shell* shell_;
    char line_[256];
    size_t length_ = 0;
};

} // namespace sp::console
