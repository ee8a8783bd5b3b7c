/* Entry stubs for the hypervisor's own interrupts. The timer stub saves the caller-saved
 * registers the C++ handler may clobber and returns with IRETQ; the spurious vector needs no
 * EOI and does nothing. */
    .section .text
    .globl interrupt_timer_stub, interrupt_spurious_stub
    .hidden interrupt_timer_stub, interrupt_spurious_stub
interrupt_timer_stub:
    pushq %rax
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %rbp
    movq %rsp, %rbp
    andq $-16, %rsp
    cld
    call lapic_timer_interrupt
    movq %rbp, %rsp
    popq %rbp
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rax
    iretq
interrupt_spurious_stub:
    iretq
    .section .note.GNU-stack,"",@progbits
