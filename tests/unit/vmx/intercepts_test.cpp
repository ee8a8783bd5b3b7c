#include <catch2/catch.hpp>

#include <string>

#include "arch/vmx/vmx_exit_decode.hpp"
#include "arch/vmx/vmx_intercepts.hpp"
#include "vmx_test_support.hpp"

using namespace sp::vmx;

namespace {

uint64_t word_of(const VmcsImage& v, RowWord w)
{
    switch (w) {
    case RowWord::exception_bitmap: return v.exception_bitmap;
    case RowWord::pin: return v.pin_controls;
    case RowWord::primary: return v.primary_controls;
    case RowWord::secondary: return v.secondary_controls;
    case RowWord::exit: return v.exit_controls;
    case RowWord::entry: return v.entry_controls;
    case RowWord::unconditional: break;
    }
    return 0;
}

} // namespace

TEST_CASE("Every row of the VMX control table is set in a guest's VMCS and its exit decodes as the row says", "[vmx][intercepts]")
{
    size_t count = 0;
    const ControlRow* rows = control_rows(count);
    REQUIRE(count >= 40);
    VmcsImage v = test::sample_vmcs();
    for (size_t i = 0; i < count; ++i) {
        const ControlRow& row = rows[i];
        SECTION(row.name)
        {
            INFO(row.name << ": " << row.why);
            CHECK(std::string(row.why).size() > 10); // every row says why
            if (row.word != RowWord::unconditional) CHECK((word_of(v, row.word) & row.bit) == row.bit);
            else CHECK(row.bit == 0);
            if (row.exit_reason != kNoExit) {
                ExitSnapshot s;
                s.exit_reason = row.exit_reason;
                s.interruption_info = row.interruption_info;
                s.rip = 0x100000;
                s.instruction_length = 2;
                GuestGprs g{};
                CHECK(decode_exit(s, g).kind == row.decoded_as);
            }
        }
    }
}

TEST_CASE("The VMCS sets exactly the table's controls, apart from bits the CPU forces", "[vmx][intercepts]")
{
    size_t count = 0;
    const ControlRow* rows = control_rows(count);
    auto caps = test::bochs_haswell();
    VmcsImage v = test::sample_vmcs(caps);
    struct Word {
        RowWord word;
        ControlSet set;
    } words[] = {{RowWord::pin, ControlSet::pin},
                 {RowWord::primary, ControlSet::primary},
                 {RowWord::secondary, ControlSet::secondary},
                 {RowWord::exit, ControlSet::exit},
                 {RowWord::entry, ControlSet::entry}};
    for (const Word& w : words) {
        uint64_t table = 0;
        for (size_t i = 0; i < count; ++i)
            if (rows[i].word == w.word) table |= rows[i].bit;
        uint64_t forced = allowed_controls(caps, w.set).must_be_one;
        INFO(control_set_name(w.set));
        CHECK((word_of(v, w.word) & ~forced) == (table & ~forced));
    }
    uint64_t exceptions = 0;
    for (size_t i = 0; i < count; ++i)
        if (rows[i].word == RowWord::exception_bitmap) exceptions |= rows[i].bit;
    CHECK(v.exception_bitmap == exceptions);
}
