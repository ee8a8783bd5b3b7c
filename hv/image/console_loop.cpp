#include "hv/image/console_loop.hpp"

#include "arch/x86/cpu.hpp"
#include "hv/image/console.hpp"
#include "hv/lib/format.hpp"

namespace sp {

void run_console_loop(const BootInfo&)
{
    auto& con = image::console();
    format(con, "samepage> ");
    for (;;) {
        int c = con.receive();
        if (c >= 0) {
            char ch = static_cast<char>(c);
            con.write(&ch, 1);
        }
        con.pump();
        x86::cpu_relax();
    }
}

} // namespace sp
