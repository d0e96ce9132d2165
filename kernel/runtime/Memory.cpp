// The four memory functions clang may emit calls to in freestanding code, for the kernel and the
// UEFI loader. Plain loops: both are built -ffreestanding, so clang does not turn these loops back
// into calls to themselves.
#include <kernel/lib/Types.h>

extern "C" {

void* memcpy(void* destination, const void* source, size_t count)
{
    auto* out = static_cast<unsigned char*>(destination);
    auto* in = static_cast<const unsigned char*>(source);
    // Word copies when both sides are aligned alike: the common case for kernel structures.
    if (((reinterpret_cast<ath::uptr>(out) | reinterpret_cast<ath::uptr>(in)) & 7) == 0) {
        for (; count >= 8; count -= 8, out += 8, in += 8)
            *reinterpret_cast<ath::u64*>(out) = *reinterpret_cast<const ath::u64*>(in);
    }
    while (count--)
        *out++ = *in++;
    return destination;
}

void* memmove(void* destination, const void* source, size_t count)
{
    auto* out = static_cast<unsigned char*>(destination);
    auto* in = static_cast<const unsigned char*>(source);
    if (out == in || count == 0)
        return destination;
    if (out < in || out >= in + count) {
        for (size_t i = 0; i < count; ++i)
            out[i] = in[i];
    } else {
        for (size_t i = count; i > 0; --i)
            out[i - 1] = in[i - 1];
    }
    return destination;
}

void* memset(void* destination, int value, size_t count)
{
    auto* out = static_cast<unsigned char*>(destination);
    auto byte = static_cast<unsigned char>(value);
    if ((reinterpret_cast<ath::uptr>(out) & 7) == 0) {
        ath::u64 word = byte * 0x0101010101010101ULL;
        for (; count >= 8; count -= 8, out += 8)
            *reinterpret_cast<ath::u64*>(out) = word;
    }
    while (count--)
        *out++ = byte;
    return destination;
}

int memcmp(const void* left, const void* right, size_t count)
{
    auto* a = static_cast<const unsigned char*>(left);
    auto* b = static_cast<const unsigned char*>(right);
    for (size_t i = 0; i < count; ++i) {
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    }
    return 0;
}

size_t strlen(const char* string)
{
    size_t length = 0;
    while (string[length])
        ++length;
    return length;
}

} // extern "C"
