#include <catch2/catch.hpp>

#include <memory>
#include <set>
#include <string>

#include "arch/svm/intercepts.hpp"
#include "arch/svm/svm_exit_decode.hpp"
#include "arch/svm/vmcb_setup.hpp"

using namespace sp::svm;
using sp::vm::ExitKind;

namespace {

uint32_t word_of(const Vmcb& v, InterceptWord w)
{
    switch (w) {
    case InterceptWord::exceptions: return v.control.intercept_exceptions;
    case InterceptWord::misc1: return v.control.intercept_misc1;
    case InterceptWord::misc2: return v.control.intercept_misc2;
    }
    return 0;
}

} // namespace

TEST_CASE("Every row of the intercept table is set in a guest's VMCB and decodes as the row says", "[svm][intercepts]")
{
    size_t count = 0;
    const Intercept* rows = intercepts(count);
    REQUIRE(count >= 25);
    auto vmcb = std::make_unique<Vmcb>();
    fill_long_mode_vmcb(*vmcb, {1, 0x1000, 0x2000, 0x3000, 0x100000, 0x8000, 0x1000});
    GuestGprs gprs{};
    for (size_t i = 0; i < count; ++i) {
        const Intercept& row = rows[i];
        SECTION(row.name)
        {
            INFO(row.name << ": " << row.why);
            CHECK((word_of(*vmcb, row.word) & row.bit) == row.bit);
            sp::vm::Exit e = decode_exit({row.exit_code, 0, 0x100002, 0, 0}, vmcb->state, gprs, false);
            CHECK(e.kind == row.decoded_as);
            CHECK(std::string(row.why).size() > 10); // every row says why
        }
    }
}

TEST_CASE("The VMCB intercepts exactly the table: no bit is on without a row", "[svm][intercepts]")
{
    size_t count = 0;
    const Intercept* rows = intercepts(count);
    uint32_t exceptions = 0, misc1 = 0, misc2 = 0;
    std::set<std::string> names;
    for (size_t i = 0; i < count; ++i) {
        CHECK(names.insert(rows[i].name).second); // no row twice
        (rows[i].word == InterceptWord::exceptions ? exceptions
         : rows[i].word == InterceptWord::misc1    ? misc1
                                                   : misc2) |= rows[i].bit;
    }
    auto vmcb = std::make_unique<Vmcb>();
    fill_long_mode_vmcb(*vmcb, {1, 0x1000, 0x2000, 0x3000, 0x100000, 0x8000, 0x1000});
    CHECK(vmcb->control.intercept_exceptions == exceptions);
    CHECK(vmcb->control.intercept_misc1 == misc1);
    CHECK(vmcb->control.intercept_misc2 == misc2);
    CHECK((misc2 & misc2::vmrun) != 0); // the CPU refuses VMRUN without it
}

TEST_CASE("A hardware task switch stops the VM as unsupported, naming it", "[svm][intercepts]")
{
    auto vmcb = std::make_unique<Vmcb>();
    fill_long_mode_vmcb(*vmcb, {1, 0x1000, 0x2000, 0x3000, 0x100000, 0x8000, 0x1000});
    GuestGprs gprs{};
    sp::vm::Exit e = decode_exit({exit_code::task_switch, 0x28, 0, 0, 0}, vmcb->state, gprs, false);
    CHECK(e.kind == ExitKind::unsupported);
    CHECK(std::string(e.invalid.text) == "hardware task switch");
}
