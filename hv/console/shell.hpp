// The management shell: feeds received bytes through the line editor, runs each complete line
// against the command table, and writes the reply (text, or one framed JSON line with --json or a
// request tag: "@<tag> {...}") and a new prompt to the output sink. Never blocks and never
// allocates; the embedder drains the sink.
//
//   sp::console::Shell shell(console, &platform);  // output sink, context for handlers
//   shell.add_commands(kPlatformCommands);         // help and version are built in
//   shell.start();                                 // first prompt
//   for (;;) if ((c = uart.try_receive()) >= 0) shell.feed(uint8_t(c));
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "hv/console/arguments.hpp"
#include "hv/console/command_table.hpp"
#include "hv/console/line_editor.hpp"
#include "hv/console/reply.hpp"
#include "hv/console/tokenizer.hpp"
#include "hv/lib/sink.hpp"

namespace sp::console {

inline constexpr const char* kPrompt = "samepage> ";

class Shell {
public:
    // `context` is passed unchanged to every handler (the embedder's platform data).
    explicit Shell(Sink& out, void* context = nullptr);
    Shell(const Shell&) = delete;
    Shell& operator=(const Shell&) = delete;

    void add_commands(const Command* rows, size_t count) { table_.add(rows, count); }
    template <size_t N>
    void add_commands(const Command (&rows)[N])
    {
        table_.add(rows);
    }

    // Writes the first prompt.
    void start();

    // Received bytes, in order. Writes the echo, and after each line its reply and a prompt.
    void feed(uint8_t byte);
    void feed(const char* data, size_t length);

    // Runs one command line (as if typed) and writes its reply, without a prompt. For boot
    // scripts and tests.
    void execute(const char* line);

    // False after a command handed the terminal over (vm console) until start() is called again.
    bool has_terminal() const { return has_terminal_; }

    // Output that is not a reply (a VM's diagnostic, a followed log line) must not land in the
    // middle of a line being typed: between these two calls it gets a line of its own, then the
    // prompt and what was typed so far come back. Does nothing while no prompt is shown (a
    // command is running, or the terminal is handed over).
    void begin_async_output();
    void end_async_output();

    const CommandTable& commands() const { return table_; }
    // The reply of the last executed line.
    const Reply& last_reply() const { return reply_; }

private:
    void run(bool json);
    void write_json(const char* tag);
    void report_editor_error();

    Sink& out_;
    void* context_;
    CommandTable table_;
    LineEditor editor_;
    TokenList tokens_;
    Arguments args_;
    Reply reply_;
    uint64_t next_seq_ = 1; // frame ids for JSON replies that came without a tag
    bool has_terminal_ = true;
    bool prompt_shown_ = false; // a prompt (and maybe a partial line) is on the terminal
};

} // namespace sp::console
