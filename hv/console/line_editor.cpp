#include "hv/console/line_editor.hpp"

#include "hv/console/text.hpp"
#include "hv/lib/format.hpp"

namespace sp::console {
namespace {

constexpr uint8_t kCtrlC = 0x03;
constexpr uint8_t kBackspace = 0x08;
constexpr uint8_t kLf = 0x0a;
constexpr uint8_t kCtrlL = 0x0c;
constexpr uint8_t kCr = 0x0d;
constexpr uint8_t kCtrlU = 0x15;
constexpr uint8_t kEsc = 0x1b;
constexpr uint8_t kDel = 0x7f;

bool is_blank(const char* text)
{
    while (is_space(*text)) ++text;
    return *text == '\0';
}

} // namespace

LineEditor::Event LineEditor::feed(uint8_t byte, Sink& echo)
{
    if (line_pending_) {
        line_pending_ = false;
        clear_line();
    }
    if (after_cr_) {
        after_cr_ = false;
        if (byte == kLf || byte == 0) return Event::None;
    }

    switch (escape_) {
    case Escape::None: break;
    case Escape::Start:
        if (byte == '[') {
            escape_ = Escape::Csi;
            return Event::None;
        }
        if (byte == 'O') {
            escape_ = Escape::Ss3;
            return Event::None;
        }
        escape_ = Escape::None;
        if (byte == kEsc) { // ESC ESC: the first one alone, a new sequence starts
            escape_ = Escape::Start;
            return Event::None;
        }
        if (is_printable(byte)) return Event::None; // ESC x (Alt-x): ignored
        break; // a control byte or non-ASCII ends the sequence and is handled on its own
    case Escape::Csi:
        if (byte >= 0x20 && byte <= 0x3f) return Event::None; // parameters, intermediates
        escape_ = Escape::None;
        if (byte >= 0x40 && byte <= 0x7e) {
            handle_escape_final(byte, echo);
            return Event::None;
        }
        break; // malformed: handle the byte on its own (a CR still ends the line)
    case Escape::Ss3:
        escape_ = Escape::None;
        if (byte >= 0x40 && byte <= 0x7e) {
            handle_escape_final(byte, echo);
            return Event::None;
        }
        break;
    }
    return handle(byte, echo);
}

LineEditor::Event LineEditor::handle(uint8_t byte, Sink& echo)
{
    if (byte == kCr || byte == kLf) {
        after_cr_ = byte == kCr;
        return end_line(echo);
    }
    if (byte == kCtrlC) {
        format(echo, "^C\n");
        clear_line();
        return Event::Cancelled;
    }
    if (byte == kCtrlU) {
        erase_shown(echo);
        clear_line();
        return Event::None;
    }
    if (byte == kEsc) {
        escape_ = Escape::Start;
        return Event::None;
    }
    if (too_long_) return Event::None;
    if (byte == kCtrlL) return Event::Redraw;
    if (byte == kBackspace || byte == kDel) {
        if (length_ > 0) {
            --length_;
            echo.write("\b \b", 3);
        }
        return Event::None;
    }
    if (byte >= 0x80) {
        note(Problem::NonAscii, byte);
        return Event::None;
    }
    if (byte < 0x20) {
        note(Problem::Control, byte);
        return Event::None;
    }
    if (length_ == kMaxLineLength) {
        note(Problem::TooLong, byte);
        too_long_ = true;
        return Event::None;
    }
    line_[length_++] = static_cast<char>(byte);
    echo.put(static_cast<char>(byte));
    return Event::None;
}

void LineEditor::handle_escape_final(uint8_t byte, Sink& echo)
{
    if (too_long_) return;
    if (byte == 'A' && browse_ < history_count_) { // up: one line further back
        if (browse_ == 0) {
            __builtin_memcpy(draft_, line_, length_);
            draft_[length_] = '\0';
        }
        ++browse_;
        replace_line(history_[(history_next_ + kHistoryLines - browse_) % kHistoryLines], echo);
    } else if (byte == 'B' && browse_ > 0) { // down: back towards the draft
        --browse_;
        replace_line(browse_ == 0
                         ? draft_
                         : history_[(history_next_ + kHistoryLines - browse_) % kHistoryLines],
                     echo);
    }
    // Other keys (left/right, home, end, delete, function keys) are not supported: ignored.
}

LineEditor::Event LineEditor::end_line(Sink& echo)
{
    echo.put('\n');
    line_[length_] = '\0';
    line_pending_ = true; // the caller reads line_ / the problem before the next feed()
    browse_ = 0;
    if (problem_ != Problem::None) return Event::Error;
    if (is_blank(line_)) return Event::Empty;
    if (line_[0] != '@') remember(line_); // a tool's tagged request is not the user's history
    return Event::Line;
}

void LineEditor::clear_line()
{
    length_ = 0;
    line_[0] = '\0';
    problem_ = Problem::None;
    too_long_ = false;
    browse_ = 0;
}

void LineEditor::note(Problem problem, uint8_t byte)
{
    if (problem_ != Problem::None) return; // report the first problem only
    problem_ = problem;
    problem_byte_ = byte;
}

void LineEditor::erase_shown(Sink& echo)
{
    for (size_t i = 0; i < length_; ++i) echo.write("\b \b", 3);
}

void LineEditor::replace_line(const char* text, Sink& echo)
{
    erase_shown(echo);
    length_ = __builtin_strlen(text);
    __builtin_memcpy(line_, text, length_ + 1);
    problem_ = Problem::None;
    echo.write(line_, length_);
}

void LineEditor::remember(const char* text)
{
    if (history_count_ > 0) {
        const char* newest = history_[(history_next_ + kHistoryLines - 1) % kHistoryLines];
        if (same_text(newest, text)) return;
    }
    __builtin_memcpy(history_[history_next_], text, __builtin_strlen(text) + 1);
    history_next_ = (history_next_ + 1) % kHistoryLines;
    if (history_count_ < kHistoryLines) ++history_count_;
}

void LineEditor::write_error(Sink& out) const
{
    switch (problem_) {
    case Problem::TooLong:
        format(out, "line too long (max %zu characters)", kMaxLineLength);
        break;
    case Problem::Control: format(out, "control character 0x%02x in line", problem_byte_); break;
    case Problem::NonAscii: format(out, "non-ASCII byte 0x%02x in line", problem_byte_); break;
    case Problem::None: break;
    }
}

} // namespace sp::console
