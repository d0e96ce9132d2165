#pragma once

// Small helpers to write Wasm binaries by hand in tests.
#include <kernel/wasm/Runtime.h>
#include <kernel/platform/hosted/HostedSupport.h>

#include <initializer_list>
#include <string>
#include <vector>

namespace ath::wasm::test {

using ByteList = std::vector<u8>;

inline ByteList uleb(u64 value)
{
    ByteList out;
    do {
        u8 byte = value & 0x7F;
        value >>= 7;
        if (value)
            byte |= 0x80;
        out.push_back(byte);
    } while (value);
    return out;
}

inline ByteList sleb(i64 value)
{
    ByteList out;
    bool more = true;
    while (more) {
        u8 byte = value & 0x7F;
        value >>= 7;
        if ((value == 0 && !(byte & 0x40)) || (value == -1 && (byte & 0x40)))
            more = false;
        else
            byte |= 0x80;
        out.push_back(byte);
    }
    return out;
}

inline ByteList cat(std::initializer_list<ByteList> parts)
{
    ByteList out;
    for (const auto& part : parts)
        out.insert(out.end(), part.begin(), part.end());
    return out;
}

inline ByteList name(const std::string& text)
{
    ByteList out = uleb(text.size());
    out.insert(out.end(), text.begin(), text.end());
    return out;
}

inline ByteList section(u8 id, const ByteList& content) { return cat({ ByteList { id }, uleb(content.size()), content }); }

// A vector of already-encoded entries.
inline ByteList vec(std::initializer_list<ByteList> entries)
{
    ByteList out = uleb(entries.size());
    for (const auto& entry : entries)
        out.insert(out.end(), entry.begin(), entry.end());
    return out;
}

inline ByteList header() { return ByteList { 0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00 }; }

inline ByteList function_type(ByteList parameters, ByteList results)
{
    return cat({ ByteList { 0x60 }, uleb(parameters.size()), parameters, uleb(results.size()), results });
}

// A code entry: locals (already encoded groups) and the instructions (without the final end).
inline ByteList body(ByteList locals, ByteList instructions)
{
    ByteList content = cat({ locals, instructions, ByteList { 0x0B } });
    return cat({ uleb(content.size()), content });
}

constexpr u8 I32 = 0x7F, I64 = 0x7E, F32 = 0x7D, F64 = 0x7C, V128T = 0x7B, FUNCREF = 0x70, EXTERNREF = 0x6F;

// One-function module exporting "f" of type (params) -> (results).
inline ByteList single_function_module(ByteList parameters, ByteList results, ByteList instructions, ByteList locals = { 0x00 })
{
    return cat({
        header(),
        section(1, vec({ function_type(parameters, results) })),
        section(3, vec({ ByteList { 0x00 } })),
        section(7, vec({ cat({ name("f"), ByteList { 0x00, 0x00 } }) })),
        section(10, vec({ body(locals, instructions) })),
    });
}

// Counts allocations and remembers the largest single request.
class CountingAllocator final : public Allocator {
public:
    void* allocate(usize size, usize alignment) override
    {
        if (size > largest)
            largest = size;
        ++count;
        return inner.allocate(size, alignment);
    }
    void deallocate(void* pointer, usize size, usize alignment) override { inner.deallocate(pointer, size, alignment); }

    hosted::MallocAllocator inner;
    usize largest { 0 };
    usize count { 0 };
};

inline Result<Module> make_module(Allocator& allocator, const ByteList& bytes)
{
    return Module::create(allocator, ReadonlyBytes(bytes.data(), bytes.size()));
}

} // namespace ath::wasm::test
