#include "hv/console/shell.hpp"

#include "hv/console/commands_builtin.hpp"
#include "hv/console/reply_json.hpp"
#include "hv/console/reply_text.hpp"
#include "hv/lib/format.hpp"

namespace sp::console {

Shell::Shell(Sink& out, void* context) : out_(out), context_(context)
{
    add_builtin_commands(table_);
}

void Shell::start()
{
    has_terminal_ = true;
    format(out_, "%s", kPrompt);
    prompt_shown_ = true;
}

void Shell::begin_async_output()
{
    if (prompt_shown_ && has_terminal_) format(out_, "\r\x1b[K"); // back to column 0, clear the line
}

void Shell::end_async_output()
{
    if (!prompt_shown_ || !has_terminal_) return;
    format(out_, "%s", kPrompt);
    editor_.write_partial(out_);
}

void Shell::feed(const char* data, size_t length)
{
    for (size_t i = 0; i < length; ++i) feed(static_cast<uint8_t>(data[i]));
}

void Shell::feed(uint8_t byte)
{
    switch (editor_.feed(byte, out_)) {
    case LineEditor::Event::None: return;
    case LineEditor::Event::Line:
        prompt_shown_ = false;
        execute(editor_.line());
        if (reply_.terminal_handed_over()) {
            has_terminal_ = false;
            return; // the embedder writes the prompt when it has the terminal back
        }
        break;
    case LineEditor::Event::Error: report_editor_error(); break;
    case LineEditor::Event::Redraw:
        format(out_, "\x1b[H\x1b[2J%s", kPrompt); // home, clear screen
        editor_.write_partial(out_);
        return;
    case LineEditor::Event::Empty:
    case LineEditor::Event::Cancelled: break;
    }
    format(out_, "%s", kPrompt);
    prompt_shown_ = true;
}

// The bad line never reaches the parser, but what the editor kept of it still shows whether a
// tool sent it (a request tag, --json): then the error is a framed JSON reply the tool waits for.
void Shell::report_editor_error()
{
    char message[96];
    BufferSink text(message, sizeof message);
    editor_.write_error(text);
    tokens_.split(editor_.line()); // errors of its own do not matter here
    if (tokens_.json()) {
        reply_.reset(nullptr);
        reply_.fail("%s", message);
        write_json(tokens_.tag());
    } else {
        format(out_, "error: %s\n", message);
    }
}

void Shell::write_json(const char* tag)
{
    if (tag) format(out_, "@%s ", tag);
    else format(out_, "@%llu ", static_cast<unsigned long long>(next_seq_++));
    render_json(reply_, out_);
}

void Shell::execute(const char* line)
{
    bool json = false;
    reply_.reset(nullptr);
    if (!tokens_.split(line)) {
        json = tokens_.json();
        reply_.fail("%s", tokens_.error());
    } else {
        json = tokens_.json();
        if (tokens_.count() == 0 && !json) return; // a blank line: nothing to say
        run(json);
    }
    if (json) write_json(tokens_.tag());
    else render_text(reply_, out_);
}

void Shell::run(bool json)
{
    const Token* words = tokens_.tokens();
    size_t count = tokens_.count();
    if (count == 0) {
        reply_.fail("no command given (try 'help')");
        return;
    }
    CommandTable::Match match = table_.find(words, count);
    if (!match.command) {
        char name[kMaxLineLength + 1];
        size_t group = 0; // words naming a group of commands ("vm" of "vm list")
        while (group < count && table_.is_group(words, group + 1)) ++group;
        if (group == 0) {
            join_words(words, 1, name, sizeof name);
            reply_.fail("unknown command '%s' (try 'help')", name);
        } else if (group == count) {
            join_words(words, group, name, sizeof name);
            reply_.fail("'%s' needs a subcommand (try 'help %s')", name, name);
        } else {
            join_words(words, group + 1, name, sizeof name);
            char prefix[kMaxLineLength + 1];
            join_words(words, group, prefix, sizeof prefix);
            reply_.fail("unknown command '%s' (try 'help %s')", name, prefix);
        }
        return;
    }
    const Command& command = *match.command;
    reply_.set_command(command.name);
    if (!args_.bind(command, table_, words + match.words, count - match.words, json, reply_))
        return;
    command.handler(args_, reply_, context_);
}

} // namespace sp::console
