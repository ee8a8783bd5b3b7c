/* int vmx_run_guest(GuestGprs* gprs, int launched)
 * Enters the guest of the current VMCS (VMLAUNCH the first time, VMRESUME after) and returns
 * when it exits: 0 after a VM exit (also a failed entry that reports exit reason 33/34),
 * 1 on VMfailInvalid, 2 on VMfailValid (the VM-instruction error field says why).
 * A VM exit restores only RSP and RIP of the host (and the VMCS host state): every general
 * register is saved here. Host RSP is written here, pointing at the saved `gprs` pointer;
 * host RIP (vmx_exit_landing) is written once when the VMCS is set up. Called with
 * interrupts disabled; exits return with RFLAGS = 0x2 (IF clear). */
    .section .text
    .globl vmx_run_guest, vmx_exit_landing
    .hidden vmx_run_guest, vmx_exit_landing
vmx_run_guest:
    pushq %rbx
    pushq %rbp
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    pushq %rdi              /* gprs: at (%rsp) when the exit lands */

    movq $0x6c14, %rax      /* host RSP field */
    vmwrite %rsp, %rax
    jbe .Lwrite_failed

    testl %esi, %esi        /* launched? the MOVs below keep the flags */
    movq %rdi, %rax
    movq 0x08(%rax), %rbx
    movq 0x10(%rax), %rcx
    movq 0x18(%rax), %rdx
    movq 0x20(%rax), %rsi
    movq 0x28(%rax), %rdi
    movq 0x30(%rax), %rbp
    movq 0x38(%rax), %r8
    movq 0x40(%rax), %r9
    movq 0x48(%rax), %r10
    movq 0x50(%rax), %r11
    movq 0x58(%rax), %r12
    movq 0x60(%rax), %r13
    movq 0x68(%rax), %r14
    movq 0x70(%rax), %r15
    movq 0x00(%rax), %rax
    jnz .Lresume
    vmlaunch
    jmp .Lfailed
.Lresume:
    vmresume
.Lfailed:                   /* CF: VMfailInvalid, ZF: VMfailValid */
.Lwrite_failed:
    movl $1, %eax
    jc .Lreturn
    movl $2, %eax
    jmp .Lreturn

vmx_exit_landing:           /* guest registers are live; RSP is the host's again */
    pushq %rax
    movq 8(%rsp), %rax      /* gprs */
    movq %rbx, 0x08(%rax)
    movq %rcx, 0x10(%rax)
    movq %rdx, 0x18(%rax)
    movq %rsi, 0x20(%rax)
    movq %rdi, 0x28(%rax)
    movq %rbp, 0x30(%rax)
    movq %r8, 0x38(%rax)
    movq %r9, 0x40(%rax)
    movq %r10, 0x48(%rax)
    movq %r11, 0x50(%rax)
    movq %r12, 0x58(%rax)
    movq %r13, 0x60(%rax)
    movq %r14, 0x68(%rax)
    movq %r15, 0x70(%rax)
    popq 0x00(%rax)         /* the guest's RAX */
    xorl %eax, %eax

.Lreturn:
    addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbp
    popq %rbx
    ret
    .section .note.GNU-stack,"",@progbits
