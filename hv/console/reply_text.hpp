// Renders a reply for people (the default output):
//   ok:     one "key: value" line per field, values aligned; nested objects indented by two
//           spaces under a "key:" line; tables as aligned columns under an upper-case header.
//   error:  "error: <message>"
// Every line ends with "\n". Bytes that are not printable ASCII are shown as '?'.
#pragma once
#include "hv/console/reply.hpp"
#include "hv/lib/sink.hpp"

namespace sp::console {

// Columns beyond this many distinct keys in one table show only in JSON.
inline constexpr size_t kMaxTableColumns = 16;

void render_text(const Reply& reply, Sink& out);

} // namespace sp::console
