// Random byte streams into the shell (line editor, tokenizer with request tags, command table,
// argument binding, number parsing, both reply renderers): it must never crash or hang
// (ASan/UBSan watch the host build, ctest's timeout the time), must answer with only printable
// ASCII plus line ends, backspaces and the Ctrl-L screen clear, must emit only valid framed
// one-line JSON replies, and must always come back to a prompt once a line end arrives.
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <string>

#include "console_test_support.hpp"
#include "hv/console/arguments.hpp"
#include "hv/console/reply.hpp"
#include "hv/console/shell.hpp"

using namespace sp::console;
using console_test::JsonChecker;
using console_test::StringSink;

namespace {

void sized(const Arguments& args, Reply& reply, void*)
{
    uint64_t bytes = 0;
    uint64_t count = 0;
    if (!args.size_at(0, 0, UINT64_MAX, bytes, reply)) return;
    if (!args.unsigned_flag("--count", 0, 100000, count, reply)) return;
    Table rows = reply.data().u64("bytes", bytes).table("rows");
    for (uint64_t i = 0; i < count; ++i) rows.row().u64("i", i).str("echo", args.at(0));
}

void echo(const Arguments& args, Reply& reply, void*)
{
    Object data = reply.data();
    Table words = data.table("words");
    for (size_t i = 0; i < args.count(); ++i) words.row().str("word", args.at(i));
    data.boolean("json", args.json());
}

void numbers(const Arguments& args, Reply& reply, void*)
{
    uint64_t id = 0, limit = 7;
    if (!args.unsigned_at(0, 1, 1023, id, reply)) return;
    if (!args.size_flag("--limit", 4096, 1ull << 40, limit, reply)) return;
    reply.data().u64("id", id).u64("limit", limit).boolean("force", args.has("--force"));
}

// Hands the terminal over like `vm console`; the driver gives it back with start().
void attach(const Arguments&, Reply& reply, void*)
{
    reply.data().str("status", "attached");
    reply.hand_over_terminal();
}

const Command kFuzzCommands[] = {
    {"vm start", "SIZE [--count N]", "sized rows", sized, 1, 1, "--count="},
    {"vm pause", "ID [--limit SIZE] [--force]", "numbers", numbers, 1, 1, "--limit= --force"},
    {"vm console", "", "hand the terminal over", attach},
    {"log", "[COUNT]", "a command that is also a group prefix", echo, 0, 1},
    {"log follow", "on|off", "a two-word command under a one-word one", echo, 1, 1},
    {"echo", "WORD...", "echo words", echo, 0, kAnyCount, "--x --y="},
};

// Pieces that reach deep into the parser and editor, mixed with raw random bytes.
const char* const kPieces[] = {
    "help", "version", "vm", "start", "echo", " ", " ", "  ", "\"", "\\", "--json", "--count",
    "--x", "--y=", "--", "64M", "0x", "0x1f", "99999999999999999999", "7", "K", "G", "\r", "\n",
    "\r\n", "\x1b", "\x1b[", "\x1b[A", "\x1b[B", "\x1bO", "A", "[", "~", "1;5", "\x7f", "\x08",
    "\x15", "\x03", "\t", "help vm", "\xc3\xa9", "@", "@7 ", "@t:x.1 ", "@a/b ", "\x0c", "\x1d",
    "pause", "console", "log", "follow", "--limit", "--force", "1023", "1024", "=", "\"\"", "\x00",
};

struct Coverage {
    long json_replies = 0;
    long text_errors = 0;
    long too_large = 0;
    long tagged = 0;
    long handed_over = 0;
};

// Half of the streams start like a real command so that the random rest reaches the argument
// checks, the handlers and the reply renderers.
const char* const kStarts[] = {
    "vm start ", "vm start 4K ", "echo ", "echo --json ", "help ", "version ", "--json echo a ",
    "vm start 1 --count 9999 ", "@f1 ", "@f2 vm pause ", "vm pause 5 ", "log ", "log follow ",
    "vm console", "@f3 help ",
};

const std::string kClearScreen = "\x1b[H\x1b[2J";

void check_output(std::string text, Coverage& seen)
{
    for (size_t at; (at = text.find(kClearScreen)) != std::string::npos;) text.erase(at, kClearScreen.size());
    size_t line_start = 0;
    for (size_t i = 0; i <= text.size(); ++i) {
        if (i < text.size()) {
            unsigned char c = static_cast<unsigned char>(text[i]);
            bool allowed = (c >= 0x20 && c < 0x7f) || c == '\n' || c == '\b';
            if (!allowed) FAIL("unexpected output byte " << int(c));
            if (c != '\n') continue;
        }
        // Reply lines that start a JSON object must be complete, valid JSON.
        std::string line = text.substr(line_start, i - line_start);
        // A JSON reply starts its line (after a prompt only when the line is an echo).
        if (line.size() > 1 && line[0] == '@' && line.find(" {\"ok\":") != std::string::npos) {
            std::string json = console_test::unframe(line);
            if (json.empty() || !JsonChecker::valid(json)) FAIL("invalid framed JSON reply: " << line);
            ++seen.json_replies;
            if (line[1] == 'f') ++seen.tagged;
        }
        if (line.rfind("error: ", 0) == 0) ++seen.text_errors;
        if (line.find("reply too large") != std::string::npos) ++seen.too_large;
        line_start = i + 1;
    }
}

void run_random_streams(uint32_t seed, int streams)
{
    std::mt19937 rng(seed);
    StringSink out;
    Shell shell(out);
    shell.add_commands(kFuzzCommands);
    shell.start();
    std::string stream;
    Coverage seen;
    for (int n = 0; n < streams; ++n) {
        stream.clear();
        if (rng() % 2) stream += kStarts[rng() % (sizeof kStarts / sizeof kStarts[0])];
        int pieces = static_cast<int>(rng() % 24);
        for (int p = 0; p < pieces; ++p) {
            uint32_t r = rng();
            if (r % 4 == 0) stream += static_cast<char>(rng() & 0xff);
            else stream += kPieces[(r >> 2) % (sizeof kPieces / sizeof kPieces[0])];
        }
        if (rng() % 64 == 0) stream += std::string(rng() % 600, 'a'); // over-long lines
        shell.feed(stream.data(), stream.size());
        shell.feed('\r');
        if (!shell.has_terminal()) { // vm console ran: the embedder gives the terminal back
            ++seen.handed_over;
            shell.start();
        }
        const std::string& text = out.text;
        if (text.size() < 10 || text.compare(text.size() - 10, 10, "samepage> ") != 0)
            FAIL("no prompt after stream " << n << " (seed " << seed << ")");
        check_output(text, seen);
        out.text.clear();
    }
    // The streams must reach the interesting paths, or the test proves little.
    CHECK(seen.json_replies > streams / 100);
    CHECK(seen.text_errors > streams / 10);
    CHECK(seen.too_large > 0);
    CHECK(seen.tagged > streams / 100);
    CHECK(seen.handed_over > 0);
}

} // namespace

TEST_CASE("100,000 random byte streams never crash the shell and always end at a prompt",
          "[console][fuzz]")
{
    run_random_streams(20240601u, 100000);
}

TEST_CASE("1,000,000 random byte streams never crash the shell", "[console][fuzz][long]")
{
    run_random_streams(424242u, 1000000);
}
