#include "hv/console/reply_text.hpp"

#include "hv/console/reply_json.hpp"
#include "hv/console/text.hpp"
#include "hv/lib/format.hpp"

namespace sp::console {
namespace {

void pad(Sink& out, size_t count)
{
    for (size_t i = 0; i < count; ++i) out.put(' ');
}

void write_sanitized(Sink& out, const char* text)
{
    for (const char* p = text; *p; ++p)
        out.put(is_printable(static_cast<uint8_t>(*p)) ? *p : '?');
}

bool is_scalar(ValueKind kind) { return kind != ValueKind::Object && kind != ValueKind::Table; }

// A scalar as text; nested values inside table cells as compact JSON.
void write_value(const Reply& reply, uint16_t index, Sink& out)
{
    const Reply::Node& n = reply.node(index);
    switch (n.kind) {
    case ValueKind::String: write_sanitized(out, reply.text(n.text)); break;
    case ValueKind::Unsigned: format(out, "%llu", static_cast<unsigned long long>(n.u)); break;
    case ValueKind::Hex: format(out, "0x%llx", static_cast<unsigned long long>(n.u)); break;
    case ValueKind::Signed: format(out, "%lld", static_cast<long long>(n.i)); break;
    case ValueKind::Bool: format(out, "%s", n.b ? "yes" : "no"); break;
    case ValueKind::Object:
    case ValueKind::Table: write_json_value(reply, index, out); break;
    }
}

size_t value_width(const Reply& reply, uint16_t index)
{
    CountingSink counter;
    write_value(reply, index, counter);
    return counter.count();
}

// The child of `object` with key `key`, or kNone.
uint16_t find_field(const Reply& reply, uint16_t object, const char* key)
{
    for (uint16_t c = reply.node(object).first; c != Reply::kNone; c = reply.node(c).next)
        if (same_text(reply.text(reply.node(c).key), key)) return c;
    return Reply::kNone;
}

void render_table(const Reply& reply, uint16_t table, size_t indent, Sink& out)
{
    // Columns: every key of every row, in order of first appearance.
    const char* columns[kMaxTableColumns];
    size_t widths[kMaxTableColumns];
    size_t column_count = 0;
    for (uint16_t row = reply.node(table).first; row != Reply::kNone; row = reply.node(row).next) {
        for (uint16_t c = reply.node(row).first; c != Reply::kNone; c = reply.node(c).next) {
            const char* key = reply.text(reply.node(c).key);
            size_t i = 0;
            while (i < column_count && !same_text(columns[i], key)) ++i;
            if (i == column_count && column_count < kMaxTableColumns) {
                columns[column_count] = key;
                widths[column_count++] = __builtin_strlen(key);
            }
            if (i < column_count) {
                size_t w = value_width(reply, c);
                if (w > widths[i]) widths[i] = w;
            }
        }
    }

    pad(out, indent);
    for (size_t i = 0; i < column_count; ++i) {
        if (i > 0) out.write("  ", 2);
        size_t len = 0;
        for (const char* p = columns[i]; *p; ++p, ++len) {
            char c = is_printable(static_cast<uint8_t>(*p)) ? *p : '?';
            out.put(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
        }
        if (i + 1 < column_count) pad(out, widths[i] - len);
    }
    out.put('\n');

    for (uint16_t row = reply.node(table).first; row != Reply::kNone; row = reply.node(row).next) {
        pad(out, indent);
        for (size_t i = 0; i < column_count; ++i) {
            if (i > 0) out.write("  ", 2);
            uint16_t cell = find_field(reply, row, columns[i]);
            size_t len = 1;
            if (cell == Reply::kNone) out.put('-');
            else {
                write_value(reply, cell, out);
                len = value_width(reply, cell);
            }
            if (i + 1 < column_count) pad(out, widths[i] - len);
        }
        out.put('\n');
    }
}

void render_object(const Reply& reply, uint16_t object, size_t indent, Sink& out)
{
    size_t key_width = 0;
    for (uint16_t c = reply.node(object).first; c != Reply::kNone; c = reply.node(c).next) {
        size_t len = __builtin_strlen(reply.text(reply.node(c).key));
        if (is_scalar(reply.node(c).kind) && len > key_width) key_width = len;
    }
    for (uint16_t c = reply.node(object).first; c != Reply::kNone; c = reply.node(c).next) {
        const Reply::Node& n = reply.node(c);
        const char* key = reply.text(n.key);
        pad(out, indent);
        write_sanitized(out, key);
        out.put(':');
        if (is_scalar(n.kind)) {
            pad(out, key_width - __builtin_strlen(key) + 1);
            write_value(reply, c, out);
            out.put('\n');
        } else if (n.first == Reply::kNone) {
            format(out, " (none)\n");
        } else {
            out.put('\n');
            if (n.kind == ValueKind::Object) render_object(reply, c, indent + 2, out);
            else render_table(reply, c, indent + 2, out);
        }
    }
}

} // namespace

void render_text(const Reply& reply, Sink& out)
{
    if (!reply.ok()) {
        format(out, "error: ");
        write_sanitized(out, reply.error());
        out.put('\n');
        return;
    }
    render_object(reply, Reply::root(), 0, out);
}

} // namespace sp::console
