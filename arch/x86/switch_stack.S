/* void switch_stack_and_call(void* stack_top, void (*fn)(void*), void* arg)
 * Moves onto a stack the hypervisor owns and calls fn(arg), which must not return: the
 * firmware's stack lives in boot-services memory that is free after ExitBootServices. */
    .section .text
    .globl switch_stack_and_call
    .hidden switch_stack_and_call
switch_stack_and_call:
    movq %rdi, %rsp
    andq $-16, %rsp
    xorl %ebp, %ebp
    movq %rdx, %rdi
    call *%rsi
1:  cli
    hlt
    jmp 1b
    .section .note.GNU-stack,"",@progbits
