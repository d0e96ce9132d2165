// The first link's symbol table: a valid header with no entries (see kernel/CMakeLists.txt).
.section .ksyms, "a"
.long 0x4D59534B
.long 0
