// Renders a reply as ONE line of JSON followed by "\n" (the --json output):
//   {"ok":true,"cmd":"<name>","data":{...}}
//   {"ok":false,"cmd":"<name>"|null,"error":"<message>"}
// See docs/console.md for the mapping of reply values to JSON.
#pragma once
#include "hv/console/reply.hpp"
#include "hv/lib/sink.hpp"

namespace sp::console {

void render_json(const Reply& reply, Sink& out);

// Writes `text` as a JSON string literal with its quotes. '"', '\\', control characters, DEL and
// bytes >= 0x80 are escaped (\u00XX), so the output is always pure ASCII and valid JSON.
void write_json_string(Sink& out, const char* text);

// Writes the value of node `index` (for table cells holding nested values).
void write_json_value(const Reply& reply, uint16_t index, Sink& out);

} // namespace sp::console
