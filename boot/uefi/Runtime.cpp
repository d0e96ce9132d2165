// What a freestanding clang build of the loader may reference on its own besides the memory
// functions (those are the kernel's, kernel/runtime/Memory.cpp, compiled into the loader too).
extern "C" {

// MSVC-ABI targets reference this symbol when floating point is used.
int _fltused = 0;
}
