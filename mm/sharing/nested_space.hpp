// A guest's nested page table as the engine sees it: vendor-neutral, so one compiled engine
// serves EPT (Intel) and NPT (AMD). TableSpace<PageTable<...>> forwards to the memory core's
// table, which does the flushing (remap/protect-down/split/merge flush before returning).
#pragma once
#include <stdint.h>

#include "mm/attributes.hpp"
#include "mm/mm_error.hpp"
#include "mm/page_table.hpp"

namespace sp::sharing {

class NestedSpace {
public:
    virtual mm::Result<mm::Translation> translate(uint64_t gpa) const = 0;
    virtual mm::MmError protect(uint64_t gpa, uint64_t size, mm::Access access) = 0;
    virtual mm::MmError remap(uint64_t gpa, uint64_t pa, const mm::Attributes& attrs) = 0;
    virtual mm::MmError split(uint64_t gpa) = 0;
    virtual mm::MmError merge(uint64_t gpa, mm::PageSize size) = 0;
    virtual mm::MmError unmap(uint64_t gpa, uint64_t size) = 0;

protected:
    ~NestedSpace() = default;
};

template <typename Table>
class TableSpace final : public NestedSpace {
public:
    explicit TableSpace(Table& table) : table_(table) {}
    mm::Result<mm::Translation> translate(uint64_t gpa) const override { return table_.translate(gpa); }
    mm::MmError protect(uint64_t gpa, uint64_t size, mm::Access access) override { return table_.protect(gpa, size, access); }
    mm::MmError remap(uint64_t gpa, uint64_t pa, const mm::Attributes& attrs) override { return table_.remap(gpa, pa, attrs); }
    mm::MmError split(uint64_t gpa) override { return table_.split(gpa); }
    mm::MmError merge(uint64_t gpa, mm::PageSize size) override { return table_.merge(gpa, size); }
    mm::MmError unmap(uint64_t gpa, uint64_t size) override { return table_.unmap(gpa, size); }
    Table& table() { return table_; }

private:
    Table& table_;
};

} // namespace sp::sharing
