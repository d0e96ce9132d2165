// The multiboot2 entry's reading of GRUB's boot information and its memory-map conversion
// (kernel/arch/x86_64/multiboot2/BootInformation.cpp): well-formed information in every field,
// then each malformed tag, a missing memory map, overlapping firmware ranges and kept memory
// outside RAM, each refused with its reason.
#include <cstring>
#include <gtest/gtest.h>
#include <string>
#include <vector>

#include <kernel/arch/x86_64/multiboot2/BootInformation.h>

using namespace ath;
using namespace ath::multiboot2;
using boot::MemoryKind;
using boot::MemoryRange;

namespace {

// Builds boot information as GRUB lays it out: total size, reserved, 8-aligned tags, end tag.
struct Information {
    std::vector<u8> bytes = std::vector<u8>(8, 0);

    template<typename T>
    void put(std::vector<u8>& out, T value)
    {
        usize offset = out.size();
        out.resize(offset + sizeof(T));
        std::memcpy(out.data() + offset, &value, sizeof(T));
    }
    void tag(u32 type, const std::vector<u8>& payload, u32 size_override = 0)
    {
        put<u32>(bytes, type);
        put<u32>(bytes, size_override ? size_override : u32(8 + payload.size()));
        bytes.insert(bytes.end(), payload.begin(), payload.end());
        while (bytes.size() % 8)
            bytes.push_back(0);
    }
    void string_tag(u32 type, const std::string& text, std::vector<u8> prefix = {})
    {
        prefix.insert(prefix.end(), text.begin(), text.end());
        prefix.push_back(0);
        tag(type, prefix);
    }
    void module(u32 start, u32 end, const std::string& name)
    {
        std::vector<u8> prefix;
        put<u32>(prefix, start);
        put<u32>(prefix, end);
        string_tag(3, name, prefix);
    }
    void memory_map(const std::vector<FirmwareRange>& ranges, u32 entry_size = 24)
    {
        std::vector<u8> payload;
        put<u32>(payload, entry_size);
        put<u32>(payload, 0);
        for (const FirmwareRange& range : ranges) {
            usize start = payload.size();
            put<u64>(payload, range.base);
            put<u64>(payload, range.size);
            put<u32>(payload, range.type);
            payload.resize(start + entry_size, 0);
        }
        tag(6, payload);
    }
    std::vector<u8> finish(bool with_end = true)
    {
        if (with_end)
            tag(0, {});
        u32 total = u32(bytes.size());
        std::memcpy(bytes.data(), &total, 4);
        return bytes;
    }
};

const std::vector<FirmwareRange> qemu_map = {
    { 0x0, 0x9FC00, 1 },           { 0x9FC00, 0x400, 2 },     { 0xF0000, 0x10000, 2 },
    { 0x100000, 0x1FEE0000, 1 },   { 0x1FFE0000, 0x20000, 2 }, { 0xFEFFC000, 0x4000, 2 },
};

Result<BootInformation> parse(const std::vector<u8>& bytes)
{
    return BootInformation::parse(ReadonlyBytes(bytes.data(), bytes.size()));
}

std::string reason_of(const std::vector<u8>& bytes)
{
    auto parsed = parse(bytes);
    return parsed.is_error() ? parsed.error().reason : "(accepted)";
}

} // namespace

TEST(Multiboot2Information, ReadsEveryFieldTheKernelNeeds)
{
    Information info;
    info.string_tag(1, "selftest x=1");
    info.string_tag(2, "GRUB 2.06"); // loader name: ignored
    info.module(0x400000, 0x401000, "initrd");
    info.memory_map(qemu_map);
    std::vector<u8> rsdp(36, 0x5A);
    info.tag(15, rsdp);
    std::vector<u8> framebuffer;
    info.put<u64>(framebuffer, 0xFD000000);
    info.put<u32>(framebuffer, 4096);
    info.put<u32>(framebuffer, 1024);
    info.put<u32>(framebuffer, 768);
    framebuffer.insert(framebuffer.end(), { 32, 1, 0, 0, 16, 8, 8, 8, 0, 8 });
    info.tag(8, framebuffer);
    auto bytes = info.finish();
    auto parsed = parse(bytes);
    ASSERT_FALSE(parsed.is_error()) << parsed.error().reason;
    const BootInformation& result = parsed.value();
    EXPECT_EQ(std::string(result.command_line.characters(), result.command_line.length()), "selftest x=1");
    auto initrd = result.module_named("initrd");
    ASSERT_TRUE(initrd.has_value());
    EXPECT_EQ(initrd->start, 0x400000u);
    EXPECT_EQ(initrd->end, 0x401000u);
    EXPECT_FALSE(result.module_named("kernel").has_value());
    ASSERT_EQ(result.memory_map_count(), qemu_map.size());
    EXPECT_EQ(result.memory_map_entry(3).base, 0x100000u);
    EXPECT_EQ(result.memory_map_entry(3).type, 1u);
    EXPECT_EQ(result.rsdp.size(), 36u);
    EXPECT_EQ(result.framebuffer.format, boot::PixelFormat::Bgrx8888);
    EXPECT_EQ(result.framebuffer.stride, 1024u);
    EXPECT_EQ(result.framebuffer.size, 4096u * 768);
    EXPECT_EQ(highest_physical_address(result), 0xFF000000u);
}

TEST(Multiboot2Information, TakesTheAcpi1RsdpOnlyWithoutA2One)
{
    Information info;
    info.memory_map(qemu_map);
    info.tag(14, std::vector<u8>(20, 0x11));
    auto bytes = info.finish();
    auto parsed = parse(bytes);
    ASSERT_FALSE(parsed.is_error());
    EXPECT_EQ(parsed.value().rsdp.size(), 20u);
    EXPECT_EQ(parsed.value().framebuffer.format, boot::PixelFormat::None);
}

TEST(Multiboot2Information, RefusesMalformedTags)
{
    {
        Information info;
        info.memory_map(qemu_map);
        EXPECT_EQ(reason_of(info.finish(false)), "boot information has no end tag");
    }
    {
        Information info;
        EXPECT_EQ(reason_of(info.finish()), "boot information has no memory map tag");
    }
    {
        Information info;
        info.memory_map(qemu_map);
        info.tag(1, { 'a', 'b' }, 4); // size smaller than a tag header
        EXPECT_EQ(reason_of(info.finish()), "a tag's size is smaller than its header or runs past the end");
    }
    {
        Information info;
        info.memory_map(qemu_map);
        info.tag(1, { 'a', 'b' }, 4096); // runs past the total size
        EXPECT_EQ(reason_of(info.finish()), "a tag's size is smaller than its header or runs past the end");
    }
    {
        Information info;
        info.memory_map(qemu_map);
        info.tag(1, { 'a', 'b', 'c' }); // no NUL
        EXPECT_EQ(reason_of(info.finish()), "a string is not NUL-terminated inside its tag");
    }
    {
        Information info;
        info.memory_map(qemu_map);
        info.module(0x5000, 0x4000, "initrd");
        EXPECT_EQ(reason_of(info.finish()), "a module ends before it starts");
    }
    {
        Information info;
        info.memory_map(qemu_map);
        info.tag(3, { 0, 0, 0, 0 });
        EXPECT_EQ(reason_of(info.finish()), "a module tag is too short");
    }
    {
        Information info;
        info.memory_map(qemu_map, 20);
        EXPECT_EQ(reason_of(info.finish()), "memory map entries are smaller than 24 bytes or unaligned");
    }
    {
        Information info;
        info.memory_map(qemu_map);
        info.memory_map(qemu_map);
        EXPECT_EQ(reason_of(info.finish()), "more than one memory map tag");
    }
    {
        Information info;
        info.memory_map(qemu_map);
        info.tag(15, std::vector<u8>(20, 0));
        EXPECT_EQ(reason_of(info.finish()), "the ACPI 2.0 RSDP tag is too short");
    }
    {
        Information info;
        info.memory_map(qemu_map);
        info.tag(8, std::vector<u8>(16, 0));
        EXPECT_EQ(reason_of(info.finish()), "the framebuffer tag is too short");
    }
    {
        Information info;
        info.memory_map(qemu_map);
        info.tag(0, { 0, 0, 0, 0, 0, 0, 0, 0 }); // an end tag of the wrong size
        EXPECT_EQ(reason_of(info.finish(false)), "the end tag has the wrong size");
    }
    {
        auto bytes = Information().finish();
        u32 too_big = u32(bytes.size() + 8);
        std::memcpy(bytes.data(), &too_big, 4);
        EXPECT_EQ(reason_of(bytes), "boot information total size is out of range");
        EXPECT_EQ(reason_of(std::vector<u8>(4, 0)), "boot information is shorter than its header and end tag");
    }
}

TEST(Multiboot2MemoryMap, ClassifiesTrimsAndCarvesWhatTheKernelKeeps)
{
    Information info;
    info.memory_map({ { 0x100000, 0x1FEE0000, 1 }, { 0x0, 0x9FC00, 1 }, { 0x9FC00, 0x400, 2 }, { 0x1FFE0000, 0x20000, 3 },
                      { 0xFED00000, 0x1000, 4 }, { 0xFEFFC000, 0x4000, 5 } });
    auto bytes = info.finish();
    auto parsed = parse(bytes);
    ASSERT_FALSE(parsed.is_error());
    MemoryRange kept[] = { { 0x200000, 0x100000, MemoryKind::LoaderData, 0 },
                           { 0x400000, 0x2000, MemoryKind::LoaderData, 0 },
                           { 0x402000, 0x10000, MemoryKind::LoaderData, 0 } };
    std::vector<MemoryRange> ranges(memory_map_capacity(parsed.value(), 3));
    auto count = convert_memory_map(parsed.value(), Span<const MemoryRange>(kept, 3), Span<MemoryRange>(ranges.data(), ranges.size()));
    ASSERT_FALSE(count.is_error()) << count.error().reason;
    std::vector<MemoryRange> expected = {
        { 0x0, 0x9F000, MemoryKind::Usable, 0 },  // 0x9FC00 rounded down to a page
        { 0x9FC00, 0x400, MemoryKind::Reserved, 0 },
        { 0x100000, 0x100000, MemoryKind::Usable, 0 },
        { 0x200000, 0x100000, MemoryKind::LoaderData, 0 },
        { 0x300000, 0x100000, MemoryKind::Usable, 0 },
        { 0x400000, 0x12000, MemoryKind::LoaderData, 0 }, // initrd and boot memory touch: merged
        { 0x412000, 0x1FFE0000 - 0x412000, MemoryKind::Usable, 0 },
        { 0x1FFE0000, 0x20000, MemoryKind::AcpiReclaim, 0 },
        { 0xFED00000, 0x1000, MemoryKind::AcpiNvs, 0 },
        { 0xFEFFC000, 0x4000, MemoryKind::Reserved, 0 },
    };
    ASSERT_EQ(count.value(), expected.size());
    for (usize i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(ranges[i].base, expected[i].base) << i;
        EXPECT_EQ(ranges[i].size, expected[i].size) << i;
        EXPECT_EQ(ranges[i].kind, expected[i].kind) << i;
    }
}

TEST(Multiboot2MemoryMap, RefusesOverlapsAndKeptMemoryOutsideRam)
{
    std::vector<MemoryRange> ranges(32);
    {
        Information info;
        info.memory_map({ { 0x0, 0x200000, 1 }, { 0x100000, 0x1000, 2 } });
        auto bytes = info.finish();
        auto parsed = parse(bytes);
        ASSERT_FALSE(parsed.is_error());
        auto count = convert_memory_map(parsed.value(), {}, Span<MemoryRange>(ranges.data(), ranges.size()));
        ASSERT_TRUE(count.is_error());
        EXPECT_STREQ(count.error().reason, "memory map has overlapping ranges");
    }
    {
        Information info;
        info.memory_map({ { 0x0, 0x9FC00, 1 }, { 0x100000, 0x100000, 1 }, { 0xF0000, 0x10000, 2 } });
        auto bytes = info.finish();
        auto parsed = parse(bytes);
        ASSERT_FALSE(parsed.is_error());
        // Straddles the end of RAM, then sits in a reserved range: both refused.
        for (MemoryRange keep : { MemoryRange { 0x1FF000, 0x2000, MemoryKind::LoaderData, 0 },
                                  MemoryRange { 0xF0000, 0x1000, MemoryKind::LoaderData, 0 } }) {
            auto count = convert_memory_map(parsed.value(), Span<const MemoryRange>(&keep, 1),
                                            Span<MemoryRange>(ranges.data(), ranges.size()));
            ASSERT_TRUE(count.is_error());
            EXPECT_STREQ(count.error().reason, "memory the kernel keeps is not inside usable RAM");
        }
    }
}
