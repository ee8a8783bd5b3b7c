#include "hv/console/text.hpp"
#include "hv/guest/test_guest_image.hpp"

extern "C" const uint8_t test_guest_hello_start[], test_guest_hello_end[];
extern "C" const uint8_t test_guest_spin_start[], test_guest_spin_end[];
extern "C" const uint8_t test_guest_echo_start[], test_guest_echo_end[];

namespace sp {
namespace {
const TestGuestImage images[] = {
    {"hello", test_guest_hello_start, static_cast<size_t>(test_guest_hello_end - test_guest_hello_start)},
    {"spin", test_guest_spin_start, static_cast<size_t>(test_guest_spin_end - test_guest_spin_start)},
    {"echo", test_guest_echo_start, static_cast<size_t>(test_guest_echo_end - test_guest_echo_start)},
};
} // namespace

const TestGuestImage* test_guests(size_t& count)
{
    count = sizeof images / sizeof images[0];
    return images;
}

const TestGuestImage* find_test_guest(const char* name)
{
    for (const auto& image : images)
        if (console::same_text(image.name, name)) return &image;
    return nullptr;
}

} // namespace sp
