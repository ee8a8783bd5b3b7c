#pragma once
extern "C" [[noreturn]] void switch_stack_and_call(void* stack_top, void (*fn)(void*), void* arg);
