#include "ElfTestImage.h"

#include <gtest/gtest.h>

#include <ElfImage.h>

using namespace ath;
using namespace ath::boot;
using namespace ath::boot::testing;

namespace {

Result<KernelImage> parse(const std::vector<u8>& bytes, u16 machine = elf_machine_x86_64)
{
    return KernelImage::parse(ReadonlyBytes(bytes.data(), bytes.size()), machine, base);
}

void expect_rejected(const std::vector<u8>& bytes, const char* reason)
{
    auto result = parse(bytes);
    ASSERT_TRUE(result.is_error()) << "accepted a kernel that breaks: " << reason;
    EXPECT_STREQ(result.error().reason, reason);
}

} // namespace

TEST(LoaderElf, AcceptsATypicalKernel)
{
    auto bytes = make_elf(typical_kernel(), base + 0x10);
    auto image = parse(bytes);
    ASSERT_FALSE(image.is_error()) << image.error().reason;
    EXPECT_EQ(image.value().entry, base + 0x10);
    EXPECT_EQ(image.value().virtual_start, base);
    EXPECT_EQ(image.value().virtual_end, base + 0x5000);
    ASSERT_EQ(image.value().segments.size(), 3u);
    EXPECT_TRUE(image.value().segments[0].executable);
    EXPECT_FALSE(image.value().segments[0].writable);
    EXPECT_TRUE(image.value().segments[2].writable);
}

TEST(LoaderElf, CopyPlacesSegmentsAndZeroesBssAndGaps)
{
    auto bytes = make_elf(typical_kernel(), base);
    auto image = parse(bytes).release_value();
    std::vector<u8> memory(image.span_size(), 0xEE);
    image.copy_into(ReadonlyBytes(bytes.data(), bytes.size()), Bytes(memory.data(), memory.size()));
    EXPECT_EQ(memory[0], 0xCC);
    EXPECT_EQ(memory[0x17FF], 0xCC);
    EXPECT_EQ(memory[0x1800], 0); // gap between text and rodata
    EXPECT_EQ(memory[0x2000], 0xAA);
    EXPECT_EQ(memory[0x3000], 0x11);
    EXPECT_EQ(memory[0x30FF], 0x11);
    EXPECT_EQ(memory[0x3100], 0); // .bss
    EXPECT_EQ(memory[0x4FFF], 0);
}

TEST(LoaderElf, RejectsTruncatedAndForeignFiles)
{
    auto bytes = make_elf(typical_kernel(), base);
    expect_rejected(std::vector<u8>(bytes.begin(), bytes.begin() + 40), "file is shorter than an ELF64 header");
    expect_rejected(std::vector<u8>(bytes.begin(), bytes.begin() + 100), "program headers lie outside the file");
    auto not_elf = bytes;
    not_elf[0] = 'M';
    expect_rejected(not_elf, "not an ELF file (bad magic)");
    auto elf32 = bytes;
    elf32[4] = 1;
    expect_rejected(elf32, "not a 64-bit ELF file");
    auto big_endian = bytes;
    big_endian[5] = 2;
    expect_rejected(big_endian, "not a little-endian ELF file");
    auto shared_object = bytes;
    put<u16>(shared_object, 16, 3);
    expect_rejected(shared_object, "ELF file is not an executable (ET_EXEC)");
    auto result = parse(bytes, elf_machine_aarch64);
    ASSERT_TRUE(result.is_error());
    EXPECT_STREQ(result.error().reason, "ELF file is for another machine");
    EXPECT_EQ(result.error().offset, 18u);
}

TEST(LoaderElf, RejectsSegmentsOutsideTheFileOrTheHigherHalf)
{
    auto beyond_file = make_elf(typical_kernel(), base);
    put<u64>(beyond_file, 64 + 8, beyond_file.size()); // first segment's data starts at the end
    expect_rejected(beyond_file, "segment data lies outside the file");

    auto huge_offset = make_elf(typical_kernel(), base);
    put<u64>(huge_offset, 64 + 8, ~0ULL - 4); // offset + size wraps
    expect_rejected(huge_offset, "segment data lies outside the file");

    auto specs = typical_kernel();
    specs[0].virtual_address = 0x100000;
    expect_rejected(make_elf(specs, 0x100000), "segment is not in the kernel's higher half");

    specs = typical_kernel();
    specs[2].virtual_address = 0xFFFFFFFFFFFFF000ULL;
    expect_rejected(make_elf(specs, base), "segment wraps around the address space");

    specs = typical_kernel();
    specs[1].memory_size = 0x10;
    specs[1].file_size = 0x20;
    expect_rejected(make_elf(specs, base), "segment file size exceeds its memory size");

    specs = typical_kernel();
    specs[2].memory_size = 1ULL << 40;
    expect_rejected(make_elf(specs, base), "segment is larger than a kernel can be");
}

TEST(LoaderElf, RejectsOverlapsWxAndBadEntries)
{
    auto specs = typical_kernel();
    specs[1].virtual_address = base + 0x1000; // inside text
    expect_rejected(make_elf(specs, base), "loadable segments overlap or are not sorted");

    specs = typical_kernel();
    specs[2].flags = 7;
    expect_rejected(make_elf(specs, base), "segment is both writable and executable (W^X)");

    expect_rejected(make_elf(typical_kernel(), base + 0x2000), "entry point is not inside an executable segment");
    expect_rejected(make_elf(typical_kernel(), 0), "entry point is not inside an executable segment");

    expect_rejected(make_elf({}, base), "program header count is zero or implausible");

    specs = typical_kernel();
    specs[2].virtual_address = base + 0x20000000; // 512 MiB span
    expect_rejected(make_elf(specs, base), "kernel image spans more address space than a kernel can");
}

TEST(LoaderElf, NeverReadsOutOfBoundsOnRandomCorruption)
{
    auto original = make_elf(typical_kernel(), base);
    u32 state = 12345;
    for (int round = 0; round < 5000; ++round) {
        auto bytes = original;
        for (int flips = 0; flips < 4; ++flips) {
            state = state * 1103515245 + 12345;
            bytes[(state >> 8) % bytes.size()] ^= static_cast<u8>(1u << ((state >> 4) & 7));
        }
        auto result = parse(bytes); // must return, with a value or an error, under ASan
        if (!result.is_error()) {
            auto image = result.release_value();
            EXPECT_LE(image.span_size(), max_kernel_image_span);
            EXPECT_GE(image.virtual_start, base);
        }
    }
}
