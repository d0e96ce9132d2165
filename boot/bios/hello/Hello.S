// bios-hello: the empty multiboot2 kernel, the anchor of `./azoth bench boot --firmware bios` (as
// boot/uefi/hello is for UEFI). GRUB loads it like Athanor; it prints one line on COM1 and powers
// off (isa-debug-exit, status 0), so the benchmark measures firmware + GRUB and nothing else.
#define MAGIC 0xE85250D6
#define COM1 0x3F8

.section .text, "ax"
.code32
.balign 8
header:
    .long MAGIC
    .long 0
    .long header_end - header
    .long 0x100000000 - (MAGIC + (header_end - header))
    .short 0, 0
    .long 8
header_end:

.global hello
hello:
    cli
    mov $message, %esi
1:  lodsb
    test %al, %al
    jz 3f
    mov %al, %ah
    mov $(COM1 + 5), %dx
2:  in %dx, %al
    test $0x20, %al
    jz 2b
    mov $COM1, %dx
    mov %ah, %al
    out %al, %dx
    jmp 1b
3:  mov $0xF4, %dx
    mov $0x10, %eax
    out %eax, %dx
4:  hlt
    jmp 4b

message:
    .asciz "\r\nbios-hello: started\r\n"
