#pragma once

// Placement new. Hosted builds take it from <new>; the freestanding kernel declares it here
// (the only declaration of operator new the kernel has besides the heap's own).
#include "Types.h"

#if __STDC_HOSTED__
#    include <new>
#else
inline void* operator new(size_t, void* where) noexcept { return where; }
inline void* operator new[](size_t, void* where) noexcept { return where; }
inline void operator delete(void*, void*) noexcept { }
inline void operator delete[](void*, void*) noexcept { }
#endif
