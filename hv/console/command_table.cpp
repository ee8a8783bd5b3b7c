#include "hv/console/command_table.hpp"

#include "hv/console/text.hpp"
#include "hv/lib/panic.hpp"

namespace sp::console {

size_t name_word_count(const char* name)
{
    size_t words = 1;
    for (const char* p = name; *p; ++p)
        if (*p == ' ') ++words;
    return words;
}

bool name_matches(const char* name, const Token* words, size_t count)
{
    const char* p = name;
    for (size_t i = 0; i < count; ++i) {
        const char* w = words[i].text;
        while (*w && *w == *p) {
            ++w;
            ++p;
        }
        if (*w) return false;
        if (*p == '\0') return i + 1 == count;
        if (*p != ' ') return false;
        ++p;
    }
    return false; // the name has more words than the line
}

bool name_in_group(const char* name, const Token* words, size_t count)
{
    const char* p = name;
    for (size_t i = 0; i < count; ++i) {
        for (const char* w = words[i].text; *w; ++w, ++p)
            if (*w != *p) return false;
        if (*p != ' ') return false; // the name ends here or the word was only a prefix
        ++p;
    }
    return count > 0;
}

namespace {

bool well_formed_name(const char* name)
{
    if (!name || !*name || *name == ' ') return false;
    for (const char* p = name; *p; ++p) {
        if (!is_printable(static_cast<uint8_t>(*p)) || *p == '"') return false;
        if (*p == ' ' && (p[1] == ' ' || p[1] == '\0')) return false;
    }
    return name[0] != '-';
}

} // namespace

void CommandTable::add(const Command* rows, size_t count)
{
    SP_ASSERT(group_count_ < kMaxGroups);
    for (size_t i = 0; i < count; ++i) {
        const Command& row = rows[i];
        SP_ASSERT(well_formed_name(row.name));
        SP_ASSERT(row.usage && row.help && row.handler);
        SP_ASSERT(row.min_args <= row.max_args);
        for (size_t j = 0; j < size(); ++j) SP_ASSERT(!same_text((*this)[j].name, row.name));
        for (size_t j = 0; j < i; ++j) SP_ASSERT(!same_text(rows[j].name, row.name));
    }
    groups_[group_count_++] = Group{rows, count};
}

CommandTable::Match CommandTable::find(const Token* words, size_t count) const
{
    Match best{nullptr, 0};
    for (size_t g = 0; g < group_count_; ++g) {
        for (size_t i = 0; i < groups_[g].count; ++i) {
            const Command& row = groups_[g].rows[i];
            size_t n = name_word_count(row.name);
            if (n > count || n <= best.words) continue;
            if (name_matches(row.name, words, n)) best = Match{&row, n};
        }
    }
    return best;
}

bool CommandTable::is_group(const Token* words, size_t count) const
{
    for (size_t i = 0; i < size(); ++i)
        if (name_in_group((*this)[i].name, words, count)) return true;
    return false;
}

size_t CommandTable::size() const
{
    size_t total = 0;
    for (size_t g = 0; g < group_count_; ++g) total += groups_[g].count;
    return total;
}

const Command& CommandTable::operator[](size_t index) const
{
    for (size_t g = 0; g < group_count_; ++g) {
        if (index < groups_[g].count) return groups_[g].rows[index];
        index -= groups_[g].count;
    }
    SP_ASSERT(!"command index out of range");
    __builtin_unreachable();
}

} // namespace sp::console
