#include "WasmBytes.h"

#include <gtest/gtest.h>
#include <string.h>

using namespace ath;
using namespace ath::wasm;
using namespace ath::wasm::test;

namespace {

void expect_error(const ByteList& bytes, ErrorCode code, const char* reason)
{
    hosted::MallocAllocator allocator;
    auto module = make_module(allocator, bytes);
    ASSERT_TRUE(module.is_error());
    EXPECT_EQ(module.error().code, code);
    EXPECT_STREQ(module.error().reason, reason);
}

TEST(WasmDecoder, EmptyInputIsUnexpectedEnd)
{
    expect_error({}, ErrorCode::Malformed, "unexpected end");
}

TEST(WasmDecoder, WrongMagicAndVersion)
{
    expect_error({ 'a', 's', 'm', 0, 1, 0, 0, 0 }, ErrorCode::Malformed, "magic header not detected");
    expect_error({ 0, 'a', 's', 'm', 2, 0, 0, 0 }, ErrorCode::Malformed, "unknown binary version");
    expect_error({ 0, 'a', 's', 'm', 1, 0 }, ErrorCode::Malformed, "unexpected end");
}

TEST(WasmDecoder, MinimalModuleDecodes)
{
    hosted::MallocAllocator allocator;
    {
        auto module = make_module(allocator, header());
        ASSERT_FALSE(module.is_error());
        EXPECT_EQ(module.value().import_count(), 0u);
        EXPECT_EQ(module.value().export_count(), 0u);
    }
    EXPECT_EQ(allocator.live_allocations(), 0u);
}

TEST(WasmDecoder, Leb128TooLongAndTooLarge)
{
    // Type section count as six bytes: longer than a u32 may be.
    expect_error(cat({ header(), ByteList { 0x01, 0x06, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00 } }), ErrorCode::Malformed,
        "integer representation too long");
    // Fifth byte with bits above 32.
    expect_error(cat({ header(), ByteList { 0x01, 0x05, 0x80, 0x80, 0x80, 0x80, 0x10 } }), ErrorCode::Malformed, "integer too large");
    // i32.const with an overlong signed LEB.
    expect_error(single_function_module({}, { I32 }, { 0x41, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00 }), ErrorCode::Malformed,
        "integer representation too long");
    // i32.const whose unused bits do not sign-extend.
    expect_error(single_function_module({}, { I32 }, { 0x41, 0xFF, 0xFF, 0xFF, 0xFF, 0x4F }), ErrorCode::Malformed, "integer too large");
}

TEST(WasmDecoder, SectionPastTheEnd)
{
    expect_error(cat({ header(), ByteList { 0x01, 0x10, 0x00 } }), ErrorCode::Malformed, "length out of bounds");
}

TEST(WasmDecoder, SectionSizeMismatch)
{
    // A type section that says 3 bytes but its one entry uses only... an empty vector plus junk.
    expect_error(cat({ header(), ByteList { 0x01, 0x02, 0x00, 0x00 } }), ErrorCode::Malformed, "section size mismatch");
}

TEST(WasmDecoder, MalformedSectionId)
{
    expect_error(cat({ header(), ByteList { 0x0D, 0x00 } }), ErrorCode::Malformed, "malformed section id");
}

TEST(WasmDecoder, HostileCountsDoNotAllocate)
{
    CountingAllocator allocator;
    // 4 billion types promised in a 5-byte section.
    auto module = make_module(allocator, cat({ header(), ByteList { 0x01, 0x05, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F } }));
    ASSERT_TRUE(module.is_error());
    EXPECT_EQ(module.error().code, ErrorCode::Malformed);
    EXPECT_LT(allocator.largest, 4096u);

    // Two local groups of 2^32-1 locals each.
    CountingAllocator second;
    ByteList locals = cat({ ByteList { 0x02 }, uleb(0xFFFFFFFF), ByteList { I32 }, uleb(0xFFFFFFFF), ByteList { I32 } });
    auto huge = make_module(second, single_function_module({}, {}, {}, locals));
    ASSERT_TRUE(huge.is_error());
    EXPECT_STREQ(huge.error().reason, "too many locals");
    EXPECT_LT(second.largest, 4096u);
}

TEST(WasmDecoder, FunctionAndCodeCountsMustAgree)
{
    ByteList bytes = cat({
        header(),
        section(1, vec({ function_type({}, {}) })),
        section(3, vec({ ByteList { 0x00 }, ByteList { 0x00 } })),
        section(10, vec({ body({ 0x00 }, {}) })),
    });
    expect_error(bytes, ErrorCode::Malformed, "function and code section have inconsistent lengths");
}

TEST(WasmDecoder, SectionsOutOfOrder)
{
    ByteList bytes = cat({ header(), section(3, vec({})), section(1, vec({})) });
    expect_error(bytes, ErrorCode::Malformed, "unexpected content after last section");
}

TEST(WasmDecoder, MalformedUtf8Name)
{
    ByteList bytes = cat({ header(), section(0, ByteList { 0x02, 0xC0, 0x80 }) });
    expect_error(bytes, ErrorCode::Malformed, "malformed UTF-8 encoding");
}

TEST(WasmValidator, TypeMismatchHasOffset)
{
    // (func (result i32) i64.const 1)
    ByteList bytes = single_function_module({}, { I32 }, { 0x42, 0x01 });
    hosted::MallocAllocator allocator;
    auto module = make_module(allocator, bytes);
    ASSERT_TRUE(module.is_error());
    EXPECT_EQ(module.error().code, ErrorCode::Invalid);
    EXPECT_STREQ(module.error().reason, "type mismatch");
    EXPECT_TRUE(module.error().has_offset());
    EXPECT_LT(module.error().offset, bytes.size());
}

TEST(WasmValidator, UnknownLocalAndLabel)
{
    expect_error(single_function_module({}, {}, { 0x20, 0x05, 0x1A }), ErrorCode::Invalid, "unknown local");
    expect_error(single_function_module({}, {}, { 0x0C, 0x03 }), ErrorCode::Invalid, "unknown label");
}

TEST(WasmValidator, UnreachableCodeIsPolymorphic)
{
    hosted::MallocAllocator allocator;
    // (func (result i32) unreachable i32.add)
    auto module = make_module(allocator, single_function_module({}, { I32 }, { 0x00, 0x6A }));
    EXPECT_FALSE(module.is_error());
}

TEST(WasmValidator, AlignmentAboveNatural)
{
    ByteList bytes = cat({
        header(),
        section(1, vec({ function_type({}, {}) })),
        section(3, vec({ ByteList { 0x00 } })),
        section(5, vec({ ByteList { 0x00, 0x01 } })),
        section(10, vec({ body({ 0x00 }, { 0x41, 0x00, 0x28, 0x03, 0x00, 0x1A }) })),
    });
    expect_error(bytes, ErrorCode::Invalid, "alignment must not be larger than natural");
}

TEST(WasmValidator, UnknownOpcodeIsMalformed)
{
    expect_error(single_function_module({}, {}, { 0xFF }), ErrorCode::Malformed, "illegal opcode");
}

TEST(WasmDecoder, EveryTruncationFailsCleanly)
{
    ByteList bytes = single_function_module({ I32, I32 }, { I32 }, { 0x20, 0x00, 0x20, 0x01, 0x6A });
    hosted::MallocAllocator allocator;
    ASSERT_FALSE(make_module(allocator, bytes).is_error());
    // Only two proper prefixes are whole modules: the bare header and header + type section.
    usize types_only = cat({ header(), section(1, vec({ function_type({ I32, I32 }, { I32 }) })) }).size();
    for (usize length = 0; length < bytes.size(); ++length) {
        ByteList prefix(bytes.begin(), bytes.begin() + static_cast<long>(length));
        auto module = make_module(allocator, prefix);
        if (length == 8 || length == types_only)
            EXPECT_FALSE(module.is_error()) << "prefix of length " << length;
        else
            EXPECT_TRUE(module.is_error()) << "prefix of length " << length;
    }
    EXPECT_EQ(allocator.live_allocations(), 0u);
}

TEST(WasmDecoder, RandomCorruptionNeverCrashes)
{
    ByteList original = single_function_module({ I32, I32 }, { I32 }, { 0x20, 0x00, 0x20, 0x01, 0x6A, 0x41, 0x05, 0x6C });
    hosted::MallocAllocator allocator;
    u32 seed = 12345;
    usize rejected = 0;
    for (int round = 0; round < 3000; ++round) {
        ByteList bytes = original;
        for (int flips = 0; flips < 3; ++flips) {
            seed = seed * 1103515245 + 12345;
            usize at = (seed >> 8) % bytes.size();
            seed = seed * 1103515245 + 12345;
            bytes[at] = static_cast<u8>(seed >> 16);
        }
        auto module = make_module(allocator, bytes);
        if (module.is_error())
            ++rejected;
    }
    EXPECT_GT(rejected, 0u);
    EXPECT_EQ(allocator.live_allocations(), 0u);
}

} // namespace
