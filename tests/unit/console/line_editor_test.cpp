#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "console_test_support.hpp"
#include "hv/console/line_editor.hpp"

using sp::console::LineEditor;
using Event = LineEditor::Event;
using console_test::StringSink;

namespace {

// Feeds bytes and records what the editor reported, as the shell would see it:
// "line:TEXT", "empty", "cancel", "error:MESSAGE".
struct Driver {
    LineEditor editor;
    StringSink echo;
    std::vector<std::string> events;

    Driver& feed(const std::string& bytes)
    {
        for (unsigned char c : bytes) {
            switch (editor.feed(c, echo)) {
            case Event::None: break;
            case Event::Line: events.push_back(std::string("line:") + editor.line()); break;
            case Event::Empty: events.push_back("empty"); break;
            case Event::Cancelled: events.push_back("cancel"); break;
            case Event::Redraw: {
                StringSink partial;
                editor.write_partial(partial);
                events.push_back("redraw:" + partial.text);
                break;
            }
            case Event::Error: {
                StringSink message;
                editor.write_error(message);
                events.push_back("error:" + message.text);
                break;
            }
            }
        }
        return *this;
    }
};

using Events = std::vector<std::string>;
const std::string kUp = "\x1b[A";
const std::string kDown = "\x1b[B";

} // namespace

TEST_CASE("printable characters are echoed and CR, LF or CRLF end the line",
          "[console][editor]")
{
    Driver d;
    d.feed("help\r");
    CHECK(d.events == Events{"line:help"});
    CHECK(d.echo.text == "help\n");
    d.feed("version\n").feed("vm list\r\n").feed("a\r\r\n");
    CHECK(d.events == Events{"line:help", "line:version", "line:vm list", "line:a", "empty"});
}

TEST_CASE("CRLF is one line end; an empty line is reported as empty", "[console][editor]")
{
    Driver d;
    d.feed("\r\n\r\n");
    CHECK(d.events == Events{"empty", "empty"});
    d.events.clear();
    d.feed("\n\n");
    CHECK(d.events == Events{"empty", "empty"});
    d.events.clear();
    d.feed("\n\r"); // LF then CR: two line ends
    CHECK(d.events == Events{"empty", "empty"});
    d.events.clear();
    d.feed("   \r"); // blanks only
    CHECK(d.events == Events{"empty"});
    d.events.clear();
    d.feed("x\r"); // CR NUL, as telnet sends it, is one line end too
    d.feed(std::string(1, '\0'));
    d.feed("y\r");
    CHECK(d.events == Events{"line:x", "line:y"});
}

TEST_CASE("an LF long after a CR still only ends one line", "[console][editor]")
{
    Driver d;
    d.feed("a\r");
    d.feed("\n");
    CHECK(d.events == Events{"line:a"}); // the LF belonged to the CR
    d.feed("\n");
    CHECK(d.events == Events{"line:a", "empty"});
}

TEST_CASE("backspace and DEL erase, and do nothing at the start of a line",
          "[console][editor]")
{
    Driver d;
    d.feed("\x08\x7f");
    CHECK(d.echo.text == "");
    d.feed("helx\x08p\r");
    CHECK(d.events == Events{"line:help"});
    CHECK(d.echo.text == "helx\b \bp\n");
    d.feed("ab\x7f\x7f\x7f\x7f" "cd\r");
    CHECK(d.events.back() == "line:cd");
    d.feed("x\x08\r");
    CHECK(d.events.back() == "empty");
}

TEST_CASE("Ctrl-U clears the line", "[console][editor]")
{
    Driver d;
    d.feed("garb\x15");
    CHECK(d.echo.text == "garb\b \b\b \b\b \b\b \b");
    d.feed("help\r");
    CHECK(d.events == Events{"line:help"});
}

TEST_CASE("Ctrl-C cancels the line with ^C", "[console][editor]")
{
    Driver d;
    d.feed("reboot\x03");
    CHECK(d.events == Events{"cancel"});
    CHECK(d.echo.text == "reboot^C\n");
    d.feed("\r");
    CHECK(d.events == Events{"cancel", "empty"});
}

TEST_CASE("a control character is reported when the line ends", "[console][editor]")
{
    Driver d;
    d.feed("ver\x01sion\r");
    CHECK(d.events == Events{"error:control character 0x01 in line"});
    CHECK(d.echo.text == "version\n"); // the bad byte is not echoed
    d.feed("\t\r");
    CHECK(d.events.back() == "error:control character 0x09 in line");
    d.feed(std::string("a\0b\r", 4));
    CHECK(d.events.back() == "error:control character 0x00 in line");
    d.feed("\x04\r");
    CHECK(d.events.back() == "error:control character 0x04 in line");
    d.feed("help\r"); // the next line is fine again
    CHECK(d.events.back() == "line:help");
}

TEST_CASE("a non-ASCII byte is reported when the line ends", "[console][editor]")
{
    Driver d;
    d.feed("caf\xc3\xa9\r");
    CHECK(d.events == Events{"error:non-ASCII byte 0xc3 in line"});
    d.feed("\xff\r");
    CHECK(d.events.back() == "error:non-ASCII byte 0xff in line");
}

TEST_CASE("only the first problem in a line is reported", "[console][editor]")
{
    Driver d;
    d.feed("\x02\xc3\r");
    CHECK(d.events == Events{"error:control character 0x02 in line"});
    d.feed("\xc3\x02\r");
    CHECK(d.events.back() == "error:non-ASCII byte 0xc3 in line");
}

TEST_CASE("lines up to 240 characters are accepted", "[console][editor]")
{
    Driver d;
    std::string longest(240, 'x');
    d.feed(longest + "\r");
    CHECK(d.events == Events{"line:" + longest});
}

TEST_CASE("an over-long line is swallowed up to its end, then reported", "[console][editor]")
{
    Driver d;
    d.feed(std::string(1000, 'y'));
    CHECK(d.events.empty());
    CHECK(d.echo.text == std::string(240, 'y')); // nothing echoed past the limit
    d.feed("\x7f\x08\x01\xc3more"); // swallowed too, even backspace
    CHECK(d.echo.text == std::string(240, 'y'));
    d.feed("\r\n");
    CHECK(d.events == Events{"error:line too long (max 240 characters)"});
    d.feed("help\r");
    CHECK(d.events.back() == "line:help");
}

TEST_CASE("an over-long line can still be cleared or cancelled", "[console][editor]")
{
    Driver d;
    d.feed(std::string(300, 'z') + "\x15" + "help\r");
    CHECK(d.events == Events{"line:help"});
    d.feed(std::string(300, 'z') + "\x03");
    CHECK(d.events.back() == "cancel");
}

TEST_CASE("escape sequences are consumed as a unit", "[console][editor]")
{
    Driver d;
    d.feed("he\x1b[Cl\x1b[Dp\x1b[3~\x1b[1;5C\x1bOP\x1b" "x\r");
    CHECK(d.events == Events{"line:help"});
    CHECK(d.echo.text == "help\n");
}

TEST_CASE("a broken escape sequence does not swallow the line end", "[console][editor]")
{
    Driver d;
    d.feed("help\x1b\r");
    CHECK(d.events == Events{"line:help"});
    d.feed("help\x1b[12\r");
    CHECK(d.events.back() == "line:help");
    d.feed("help\x1bO\r");
    CHECK(d.events.back() == "line:help");
    d.feed("x\x1b[\x03");
    CHECK(d.events.back() == "cancel");
    d.feed("\x1b\x1b[Chelp\r"); // ESC ESC [ C: the second ESC starts the sequence
    CHECK(d.events.back() == "line:help");
}

TEST_CASE("up and down arrows walk through recent lines", "[console][editor]")
{
    Driver d;
    d.feed("one\rtwo\rthree\r");
    d.echo.text.clear();
    d.feed(kUp);
    CHECK(d.echo.text == "three");
    d.feed(kUp + kUp + "\r");
    CHECK(d.events.back() == "line:one");

    d.feed("draft" + kUp + kDown);
    d.feed("!\r");
    CHECK(d.events.back() == "line:draft!"); // down past the newest restores the draft

    d.feed(kUp + kUp + kUp + kUp + kUp + kUp + kUp + kUp + "\r"); // stops at the oldest
    CHECK(d.events.back() == "line:one");
    d.feed("\x1bOA\r"); // application-mode arrow: ESC O A
    CHECK(d.events.back() == "line:one");
}

TEST_CASE("recalled lines replace what is shown", "[console][editor]")
{
    Driver d;
    d.feed("abc\r");
    d.echo.text.clear();
    d.feed("xy" + kUp);
    CHECK(d.echo.text == "xy\b \b\b \babc");
    d.feed(kDown);
    CHECK(d.echo.text == "xy\b \b\b \babc\b \b\b \b\b \bxy");
}

TEST_CASE("history keeps the last 8 distinct lines, not empty or bad ones", "[console][editor]")
{
    Driver d;
    for (int i = 0; i < 12; ++i) d.feed("cmd" + std::to_string(i) + "\r");
    d.feed("cmd11\r"); // a repeat of the newest is not stored twice
    d.feed("\r  \rbad\x01\r");
    std::string ups;
    for (int i = 0; i < 20; ++i) ups += kUp;
    d.feed(ups + "\r");
    CHECK(d.events.back() == "line:cmd4");
    d.feed(kUp + "\r");
    CHECK(d.events.back() == "line:cmd4"); // recalling and running a line makes it newest
}

TEST_CASE("with no history the arrows do nothing", "[console][editor]")
{
    Driver d;
    d.feed(kUp + kDown + "ok\r");
    CHECK(d.events == Events{"line:ok"});
    CHECK(d.echo.text == "ok\n");
}

TEST_CASE("Ctrl-L asks for a redraw of the line being edited, which goes on", "[console][line_editor]")
{
    Driver d;
    d.feed("ver\x0csion\r");
    CHECK(d.events == Events{"redraw:ver", "line:version"});
    CHECK(d.echo.text == "version\n"); // the shell, not the editor, writes the redraw
}
