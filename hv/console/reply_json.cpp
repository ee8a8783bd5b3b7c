#include "hv/console/reply_json.hpp"

#include "hv/lib/format.hpp"

namespace sp::console {

void write_json_string(Sink& out, const char* text)
{
    out.put('"');
    for (const char* p = text; *p; ++p) {
        uint8_t c = static_cast<uint8_t>(*p);
        if (c == '"' || c == '\\') {
            out.put('\\');
            out.put(static_cast<char>(c));
        } else if (c < 0x20 || c >= 0x7f) {
            // Bytes >= 0x80 are escaped as the Latin-1 code point: the reply may hold firmware
            // strings that are not UTF-8, and the output must stay valid JSON.
            format(out, "\\u%04x", c);
        } else {
            out.put(static_cast<char>(c));
        }
    }
    out.put('"');
}

void write_json_value(const Reply& reply, uint16_t index, Sink& out)
{
    const Reply::Node& n = reply.node(index);
    switch (n.kind) {
    case ValueKind::String: write_json_string(out, reply.text(n.text)); break;
    case ValueKind::Unsigned:
    case ValueKind::Hex: format(out, "%llu", static_cast<unsigned long long>(n.u)); break;
    case ValueKind::Signed: format(out, "%lld", static_cast<long long>(n.i)); break;
    case ValueKind::Bool: format(out, "%s", n.b ? "true" : "false"); break;
    case ValueKind::Object: {
        out.put('{');
        for (uint16_t c = n.first; c != Reply::kNone; c = reply.node(c).next) {
            if (c != n.first) out.put(',');
            write_json_string(out, reply.text(reply.node(c).key));
            out.put(':');
            write_json_value(reply, c, out);
        }
        out.put('}');
        break;
    }
    case ValueKind::Table: {
        out.put('[');
        for (uint16_t c = n.first; c != Reply::kNone; c = reply.node(c).next) {
            if (c != n.first) out.put(',');
            write_json_value(reply, c, out);
        }
        out.put(']');
        break;
    }
    }
}

void render_json(const Reply& reply, Sink& out)
{
    format(out, "{\"ok\":%s,\"cmd\":", reply.ok() ? "true" : "false");
    if (reply.command()) write_json_string(out, reply.command());
    else format(out, "null");
    if (reply.ok()) {
        format(out, ",\"data\":");
        write_json_value(reply, Reply::root(), out);
    } else {
        format(out, ",\"error\":");
        write_json_string(out, reply.error());
    }
    format(out, "}\n");
}

} // namespace sp::console
