/* Built-in test guests: position-independent 64-bit code, copied to guest-physical 1 MiB and
 * entered in long mode with paging on (see test_guest_loader.cpp). They talk to Samepage
 * through the serial port 0x3F8 and the hypercall interface (docs/hypercalls.md): RAX holds
 * the function, RBX, RCX, RDX the arguments. VMMCALL on AMD, VMCALL on Intel: each guest asks
 * CPUID which one once. */
    .section .rodata.test_guests, "a"
    .code64

/* ---- hello: prints a line on its serial port, reports success, halts. ---- */
    .globl test_guest_hello_start, test_guest_hello_end
    .hidden test_guest_hello_start, test_guest_hello_end
    .balign 16
test_guest_hello_start:
    lea hello_message(%rip), %rsi
    mov $0x3f8, %dx
1:  lodsb
    test %al, %al
    jz 2f
    outb %al, %dx
    jmp 1b
2:  mov $2, %eax            /* report result */
    mov $1, %ebx            /* passed */
    xor %ecx, %ecx          /* code 0 */
    call hello_hypercall
3:  cli
    hlt
    jmp 3b
hello_hypercall:
    push %rax
    push %rbx
    push %rcx
    push %rdx
    xor %eax, %eax
    cpuid
    cmp $0x68747541, %ebx   /* "Auth" of AuthenticAMD */
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
    jne 4f
    vmmcall
    ret
4:  vmcall
    ret
hello_message:
    .asciz "hello from a Samepage test guest\n"
test_guest_hello_end:

/* ---- spin: loops forever with interrupts off; the timer must still take the CPU back. ---- */
    .globl test_guest_spin_start, test_guest_spin_end
    .hidden test_guest_spin_start, test_guest_spin_end
    .balign 16
test_guest_spin_start:
    cli
1:  jmp 1b
test_guest_spin_end:

    .section .note.GNU-stack,"",@progbits
