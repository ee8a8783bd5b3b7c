// What the image's console commands read and request: the boot information, and requests
// (reboot, power off) that the console loop carries out once the reply has been sent.
#pragma once
#include "hv/platform/boot_info.hpp"

namespace sp {

struct Platform {
    const BootInfo* boot = nullptr;
    bool reboot_requested = false;
    bool poweroff_requested = false;
};

} // namespace sp
