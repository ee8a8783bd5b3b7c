#include "hv/console/reply.hpp"

#include <stdarg.h>

#include "hv/console/text.hpp"
#include "hv/lib/format.hpp"
#include "hv/lib/sink.hpp"

namespace sp::console {

void Reply::reset(const char* command)
{
    node_count_ = 1;
    nodes_[0] = Node{};
    nodes_[0].kind = ValueKind::Object;
    pool_used_ = 0;
    command_ = command;
    failed_ = false;
    overflowed_ = false;
    handed_over_ = false;
    error_[0] = '\0';
}

void Reply::fail(const char* fmt, ...)
{
    if (failed_) return;
    failed_ = true;
    va_list args;
    va_start(args, fmt);
    BufferSink sink(error_, sizeof error_);
    vformat(sink, fmt, args);
    va_end(args);
}

const char* Reply::error() const
{
    if (failed_) return error_;
    if (overflowed_) return "reply too large";
    return "";
}

uint16_t Reply::store(const char* text, size_t len)
{
    if (len + 1 > kPoolBytes - pool_used_) {
        overflow();
        return kNone;
    }
    uint16_t at = static_cast<uint16_t>(pool_used_);
    __builtin_memcpy(pool_ + at, text, len);
    pool_[at + len] = '\0';
    pool_used_ += len + 1;
    return at;
}

uint16_t Reply::add(uint16_t parent, ValueKind kind, const char* key)
{
    if (parent == kNone || overflowed_) return kNone;
    Node& owner = nodes_[parent];
    if (key) {
        // A repeated key would make ambiguous JSON: that is a bug in the command, reported as
        // an error reply rather than a panic.
        for (uint16_t c = owner.first; c != kNone; c = nodes_[c].next) {
            if (nodes_[c].key != kNone && same_text(pool_ + nodes_[c].key, key)) {
                fail("internal error: reply field '%s' set twice", key);
                return kNone;
            }
        }
    }
    if (node_count_ == kMaxNodes) {
        overflow();
        return kNone;
    }
    uint16_t key_at = kNone;
    if (key) {
        key_at = store(key, __builtin_strlen(key));
        if (key_at == kNone) return kNone;
    }
    uint16_t index = static_cast<uint16_t>(node_count_++);
    Node& n = nodes_[index];
    n = Node{};
    n.kind = kind;
    n.key = key_at;
    n.u = 0;
    if (owner.last == kNone) owner.first = index;
    else nodes_[owner.last].next = index;
    owner.last = index;
    return index;
}

namespace {

// Formats straight into the reply's string pool.
class PoolSink final : public Sink {
public:
    PoolSink(char* at, size_t room) : at_(at), room_(room) {}
    void write(const char* data, size_t len) override
    {
        size_t n = len < room_ - used_ ? len : room_ - used_;
        __builtin_memcpy(at_ + used_, data, n);
        used_ += n;
        if (n < len) cut_ = true;
    }
    size_t used() const { return used_; }
    bool cut() const { return cut_; }

private:
    char* at_;
    size_t room_;
    size_t used_ = 0;
    bool cut_ = false;
};

} // namespace

Object& Object::str(const char* key, const char* value)
{
    uint16_t n = reply_->add(node_, ValueKind::String, key);
    if (n == Reply::kNone) return *this;
    uint16_t text = reply_->store(value ? value : "", value ? __builtin_strlen(value) : 0);
    reply_->nodes_[n].text = text == Reply::kNone ? 0 : text; // overflowed: never rendered
    return *this;
}

Object& Object::strf(const char* key, const char* fmt, ...)
{
    uint16_t n = reply_->add(node_, ValueKind::String, key);
    if (n == Reply::kNone) return *this;
    Reply& r = *reply_;
    size_t room = Reply::kPoolBytes - r.pool_used_;
    PoolSink sink(r.pool_ + r.pool_used_, room);
    va_list args;
    va_start(args, fmt);
    vformat(sink, fmt, args);
    va_end(args);
    if (sink.cut() || sink.used() == room) { // no room for the terminating NUL
        r.overflow();
        return *this;
    }
    r.nodes_[n].text = static_cast<uint16_t>(r.pool_used_);
    r.pool_[r.pool_used_ + sink.used()] = '\0';
    r.pool_used_ += sink.used() + 1;
    return *this;
}

Object& Object::u64(const char* key, uint64_t value)
{
    uint16_t n = reply_->add(node_, ValueKind::Unsigned, key);
    if (n != Reply::kNone) reply_->nodes_[n].u = value;
    return *this;
}

Object& Object::hex(const char* key, uint64_t value)
{
    uint16_t n = reply_->add(node_, ValueKind::Hex, key);
    if (n != Reply::kNone) reply_->nodes_[n].u = value;
    return *this;
}

Object& Object::i64(const char* key, int64_t value)
{
    uint16_t n = reply_->add(node_, ValueKind::Signed, key);
    if (n != Reply::kNone) reply_->nodes_[n].i = value;
    return *this;
}

Object& Object::boolean(const char* key, bool value)
{
    uint16_t n = reply_->add(node_, ValueKind::Bool, key);
    if (n != Reply::kNone) reply_->nodes_[n].b = value;
    return *this;
}

Object Object::object(const char* key)
{
    return Object(reply_, reply_->add(node_, ValueKind::Object, key));
}

Table Object::table(const char* key)
{
    return Table(reply_, reply_->add(node_, ValueKind::Table, key));
}

Object Table::row()
{
    return Object(reply_, reply_->add(node_, ValueKind::Object, nullptr));
}

} // namespace sp::console
