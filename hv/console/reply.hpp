// The result record every console command returns: ok with a small tree of data, or an error
// message. Handlers fill it through Object/Table handles; reply_text and reply_json render it.
// All storage is fixed-capacity inside the Reply: when a handler adds more than fits, the reply
// turns into the error "reply too large" (further additions are ignored), never a crash.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace sp::console {

class Reply;
class Table;

enum class ValueKind : uint8_t {
    String,   // text
    Unsigned, // uint64_t, decimal in text and JSON
    Hex,      // uint64_t shown as 0x... in text; a plain decimal number in JSON
    Signed,   // int64_t
    Bool,     // yes/no in text, true/false in JSON
    Object,   // nested key/value fields
    Table,    // list of objects (rows); text renders it as an aligned table
};

// Handle to an object in a reply. Cheap to copy. A handle to storage that did not fit is inert:
// every call on it does nothing, so handlers need no error checks while filling.
class Object {
public:
    Object& str(const char* key, const char* value);
    Object& strf(const char* key, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
    Object& u64(const char* key, uint64_t value);
    Object& hex(const char* key, uint64_t value);
    Object& i64(const char* key, int64_t value);
    Object& boolean(const char* key, bool value);
    Object object(const char* key);
    Table table(const char* key);

private:
    friend class Reply;
    friend class Table;
    Object(Reply* reply, uint16_t node) : reply_(reply), node_(node) {}
    Reply* reply_;
    uint16_t node_;
};

// Handle to a list of objects; each row() appends one.
class Table {
public:
    Object row();

private:
    friend class Object;
    Table(Reply* reply, uint16_t node) : reply_(reply), node_(node) {}
    Reply* reply_;
    uint16_t node_;
};

class Reply {
public:
    static constexpr size_t kMaxNodes = 512;       // fields, objects and rows together
    static constexpr size_t kPoolBytes = 8192;     // keys and string values
    static constexpr size_t kMaxErrorLength = 255; // longer error messages are cut
    static constexpr uint16_t kNone = 0xffff;

    struct Node {
        ValueKind kind;
        uint16_t key = kNone;  // pool offset; kNone for table rows
        uint16_t next = kNone; // next sibling
        uint16_t first = kNone; // children of objects and tables
        uint16_t last = kNone;
        union {
            uint64_t u;
            int64_t i;
            bool b;
            uint16_t text; // pool offset of a String
        };
    };

    Reply() { reset(nullptr); }

    // Starts an empty ok reply. `command` names the command (nullptr: none recognised yet); it
    // must outlive the reply (command names are string literals in the table).
    void reset(const char* command);
    void set_command(const char* command) { command_ = command; }

    // The data object of an ok reply.
    Object data() { return Object(this, 0); }

    // Makes this an error reply. The first error wins; later calls are ignored, so a helper's
    // precise message is not overwritten by a caller's generic one.
    void fail(const char* fmt, ...) __attribute__((format(printf, 2, 3)));

    // The command gave the terminal to something else (`vm console`): the shell writes no
    // prompt after this reply; the embedder calls Shell::start() when it has the terminal back.
    void hand_over_terminal() { handed_over_ = true; }
    bool terminal_handed_over() const { return handed_over_ && ok(); }

    bool ok() const { return !failed_ && !overflowed_; }
    bool overflowed() const { return overflowed_ && !failed_; }
    // Error text of a failed reply ("reply too large" after an overflow); "" when ok.
    const char* error() const;
    const char* command() const { return command_; }

    // Read access for the renderers.
    const Node& node(uint16_t index) const { return nodes_[index]; }
    const char* text(uint16_t offset) const { return pool_ + offset; }
    static constexpr uint16_t root() { return 0; }

private:
    friend class Object;
    friend class Table;
    // Appends a child to `parent` (kNone when the parent handle is inert); returns kNone when
    // out of room or the key repeats.
    uint16_t add(uint16_t parent, ValueKind kind, const char* key);
    uint16_t store(const char* text, size_t len); // kNone when the pool is full
    void overflow() { overflowed_ = true; }

    Node nodes_[kMaxNodes];
    char pool_[kPoolBytes];
    size_t node_count_ = 0;
    size_t pool_used_ = 0;
    const char* command_ = nullptr;
    bool failed_ = false;
    bool overflowed_ = false;
    bool handed_over_ = false;
    char error_[kMaxErrorLength + 1];
};

} // namespace sp::console
