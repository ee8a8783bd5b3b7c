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

/* ---- echo: reads its serial port (polling LSR) and echoes every byte back uppercased; a line
 * end is echoed as CR LF. A line "quit" ends the test: passed, code = lines received before it.
 * Proves that bytes typed at `vm console` reach the guest. ---- */
    .globl test_guest_echo_start, test_guest_echo_end
    .hidden test_guest_echo_start, test_guest_echo_end
    .balign 16
test_guest_echo_start:
    lea echo_banner(%rip), %rsi
    call echo_puts
    xor %r12d, %r12d        /* lines received */
    xor %r13d, %r13d        /* bytes in the current line */
    xor %r14d, %r14d        /* the current line's first 4 bytes, packed */
    xor %r15d, %r15d        /* last byte was CR (skip the LF of a CR LF) */
1:  mov $0x3fd, %dx         /* LSR */
    inb %dx, %al
    test $1, %al            /* data ready */
    jz 1b
    mov $0x3f8, %dx         /* RBR */
    inb %dx, %al
    cmp $'\n', %al
    jne 2f
    test %r15d, %r15d
    jnz 5f                  /* the LF of CR LF: already ended the line */
    jmp 6f
2:  cmp $'\r', %al
    je 6f
    xor %r15d, %r15d
    cmp $4, %r13d           /* keep the first 4 bytes to spot "quit" */
    jae 3f
    mov %r13d, %ecx
    shl $3, %ecx
    movzbl %al, %ebx
    shl %cl, %rbx
    or %rbx, %r14
3:  inc %r13d
    cmp $'a', %al
    jb 4f
    cmp $'z', %al
    ja 4f
    sub $0x20, %al          /* uppercase */
4:  outb %al, %dx
    jmp 1b
5:  xor %r15d, %r15d
    jmp 1b
6:  mov $1, %r15d           /* a line end: CR LF back */
    mov $'\r', %al
    outb %al, %dx
    mov $'\n', %al
    outb %al, %dx
    cmp $4, %r13d
    jne 7f
    cmp $0x74697571, %r14d  /* "quit" */
    je 8f
7:  inc %r12d
    xor %r13d, %r13d
    xor %r14d, %r14d
    jmp 1b
8:  lea echo_bye(%rip), %rsi
    call echo_puts
    mov $2, %eax            /* report result */
    mov $1, %ebx            /* passed */
    mov %r12, %rcx          /* code: lines before "quit" */
    call echo_hypercall
9:  cli
    hlt
    jmp 9b
echo_hypercall:             /* each guest is copied alone, so it carries its own */
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
    jne 1f
    vmmcall
    ret
1:  vmcall
    ret
echo_puts:                  /* RSI: NUL-terminated text to the serial port */
    mov $0x3f8, %dx
1:  lodsb
    test %al, %al
    jz 2f
    outb %al, %dx
    jmp 1b
2:  ret
echo_banner:
    .asciz "echo: type a line, 'quit' ends the test\r\n"
echo_bye:
    .asciz "echo: bye\r\n"
test_guest_echo_end:

    .section .note.GNU-stack,"",@progbits
