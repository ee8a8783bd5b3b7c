/* Entry of every C++ test guest: the loader set RSP (top of RAM) and paging; call the
 * program and, should it return, halt with interrupts off (Samepage stops the VM then). */
    .section .text.entry, "ax"
    .code64
    .globl _start
_start:
    and $-16, %rsp
    mov $0x7000, %edi          /* TestGuestParams (test_guest_params) */
    call guest_main
1:  cli
    hlt
    jmp 1b
    .section .note.GNU-stack,"",@progbits
