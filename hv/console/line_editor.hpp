// Turns the bytes a serial terminal sends into command lines. Never blocks: feed() takes one
// byte, echoes what the user should see, and says when a line is complete.
//
//   printable ASCII        appended and echoed (up to kMaxLineLength characters)
//   BS (0x08), DEL (0x7f)  erase the last character
//   Ctrl-U                 erase the whole line
//   Ctrl-C                 cancel the line: echoes "^C" and a line end
//   Ctrl-L                 Event::Redraw: the shell clears the screen and shows prompt and line
//   CR, LF, CRLF           end the line (CRLF, and CR followed by NUL, count once)
//   ESC sequences          consumed as a unit (ESC [ ... final, ESC O x, ESC x); up and down
//                          arrows walk through the last kHistoryLines lines (not those a tool
//                          sent, which start with an '@' tag); others are ignored
//
// Bad input does not end the line: the editor notes the first problem (an over-long line, a
// control character, a byte that is not ASCII) and reports it as Event::Error when the line
// ends. Past the length limit everything up to the line end is swallowed without echo.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "hv/console/limits.hpp"
#include "hv/lib/sink.hpp"

namespace sp::console {

class LineEditor {
public:
    static constexpr size_t kHistoryLines = 8;

    enum class Event : uint8_t {
        None,      // nothing to do yet
        Line,      // a line is complete: line()
        Empty,     // an empty (or all-blank) line ended: show a new prompt
        Cancelled, // Ctrl-C: show a new prompt
        Error,     // the line that ended was bad: write_error(), then a new prompt
        Redraw,    // Ctrl-L: clear the screen, write the prompt and write_partial()
    };

    Event feed(uint8_t byte, Sink& echo);

    // The completed line of the last Event::Line; valid until the next feed().
    const char* line() const { return line_; }
    // The message for the last Event::Error, without the "error: " prefix.
    void write_error(Sink& out) const;
    // The line being edited (what the user sees after the prompt).
    void write_partial(Sink& out) const { out.write(line_, length_); }

private:
    enum class Escape : uint8_t { None, Start, Csi, Ss3 };
    enum class Problem : uint8_t { None, TooLong, Control, NonAscii };

    Event handle(uint8_t byte, Sink& echo);
    void handle_escape_final(uint8_t byte, Sink& echo);
    Event end_line(Sink& echo);
    void note(Problem problem, uint8_t byte);
    void replace_line(const char* text, Sink& echo); // for history recall
    void erase_shown(Sink& echo);
    void remember(const char* text);
    void clear_line();

    char line_[kMaxLineLength + 1] = {};
    size_t length_ = 0;
    Problem problem_ = Problem::None; // the first problem in this line: its error message
    bool too_long_ = false;           // past the limit: swallow until the line end
    uint8_t problem_byte_ = 0;
    Escape escape_ = Escape::None;
    bool after_cr_ = false;      // swallow an LF (or NUL) right after a CR
    bool line_pending_ = false;  // line_ holds a finished line; clear before editing

    // History: a ring of recent lines; browse_ is how far back the user has gone (0: editing
    // the draft, which is saved when browsing starts).
    char history_[kHistoryLines][kMaxLineLength + 1] = {};
    size_t history_count_ = 0;
    size_t history_next_ = 0;
    size_t browse_ = 0;
    char draft_[kMaxLineLength + 1] = {};
};

} // namespace sp::console
