/* void svm_run_guest(uint64_t guest_vmcb_pa, uint64_t host_vmcb_pa, GuestGprs* gprs)
 * VMRUN restores only RAX, RSP and RIP of the host (and some control state): every other
 * general register is saved here, and the hidden segment state (FS/GS/TR/LDTR bases,
 * KernelGsBase, STAR...) through VMSAVE/VMLOAD on a host VMCB. GIF is cleared around the
 * switch so that no interrupt lands between VMLOAD and VMRUN; the host's IF is set during
 * VMRUN so that (with V_INTR_MASKING) a physical interrupt exits the guest. */
    .section .text
    .globl svm_run_guest
    .hidden svm_run_guest
svm_run_guest:
    pushq %rbx
    pushq %rbp
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    pushq %rdx              /* gprs */
    pushq %rsi              /* host VMCB */
    pushq %rdi              /* guest VMCB */

    clgi
    sti                     /* held off by GIF=0; lets a host interrupt end the guest's turn */
    movq %rsi, %rax
    vmsave %rax             /* host hidden state */

    movq %rdx, %rax         /* load the guest's registers from gprs */
    movq 0x00(%rax), %rbx
    movq 0x08(%rax), %rcx
    movq 0x10(%rax), %rdx
    movq 0x18(%rax), %rsi
    movq 0x20(%rax), %rdi
    movq 0x28(%rax), %rbp
    movq 0x30(%rax), %r8
    movq 0x38(%rax), %r9
    movq 0x40(%rax), %r10
    movq 0x48(%rax), %r11
    movq 0x50(%rax), %r12
    movq 0x58(%rax), %r13
    movq 0x60(%rax), %r14
    movq 0x68(%rax), %r15

    movq (%rsp), %rax       /* guest VMCB */
    vmload %rax
    vmrun %rax
    vmsave %rax

    /* Guest registers are live; RAX (guest VMCB) and RSP are the host's again. */
    movq 16(%rsp), %rax     /* gprs */
    movq %rbx, 0x00(%rax)
    movq %rcx, 0x08(%rax)
    movq %rdx, 0x10(%rax)
    movq %rsi, 0x18(%rax)
    movq %rdi, 0x20(%rax)
    movq %rbp, 0x28(%rax)
    movq %r8, 0x30(%rax)
    movq %r9, 0x38(%rax)
    movq %r10, 0x40(%rax)
    movq %r11, 0x48(%rax)
    movq %r12, 0x50(%rax)
    movq %r13, 0x58(%rax)
    movq %r14, 0x60(%rax)
    movq %r15, 0x68(%rax)

    movq 8(%rsp), %rax      /* host VMCB */
    vmload %rax
    stgi                    /* a pending host interrupt (the timer) is taken here */
    cli

    addq $24, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbp
    popq %rbx
    ret
    .section .note.GNU-stack,"",@progbits
