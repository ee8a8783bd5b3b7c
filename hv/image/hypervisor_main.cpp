#include "hv/image/hypervisor_main.hpp"

#include "arch/x86/cpu.hpp"
#include "arch/x86/descriptors.hpp"
#include "hv/image/banner.hpp"
#include "hv/image/console.hpp"
#include "hv/image/console_loop.hpp"
#include "hv/image/memory_setup.hpp"

namespace sp {

void hypervisor_main(const BootInfo& info)
{
    x86::disable_interrupts();
    x86::install_descriptor_tables();
    Sink& out = image::console();
    print_banner(out, info);
    setup_memory(info, out);
    run_console_loop(info);
}

} // namespace sp
