// The few symbols a freestanding clang build may call on its own (loops it turns into memcpy,
// memset...). no_builtin keeps these bodies from being turned into calls to themselves.
#include <kernel/lib/Types.h>

extern "C" {

__attribute__((no_builtin)) void* memcpy(void* destination, const void* source, size_t size)
{
    auto* to = static_cast<unsigned char*>(destination);
    auto* from = static_cast<const unsigned char*>(source);
    for (size_t i = 0; i < size; ++i)
        to[i] = from[i];
    return destination;
}

__attribute__((no_builtin)) void* memmove(void* destination, const void* source, size_t size)
{
    auto* to = static_cast<unsigned char*>(destination);
    auto* from = static_cast<const unsigned char*>(source);
    if (to < from) {
        for (size_t i = 0; i < size; ++i)
            to[i] = from[i];
    } else {
        for (size_t i = size; i > 0; --i)
            to[i - 1] = from[i - 1];
    }
    return destination;
}

__attribute__((no_builtin)) void* memset(void* destination, int value, size_t size)
{
    auto* to = static_cast<unsigned char*>(destination);
    for (size_t i = 0; i < size; ++i)
        to[i] = static_cast<unsigned char>(value);
    return destination;
}

__attribute__((no_builtin)) int memcmp(const void* left, const void* right, size_t size)
{
    auto* a = static_cast<const unsigned char*>(left);
    auto* b = static_cast<const unsigned char*>(right);
    for (size_t i = 0; i < size; ++i) {
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    }
    return 0;
}

// MSVC-ABI targets reference this symbol when floating point is used.
int _fltused = 0;
}
