// device_tree_reserved_ranges: /memreserve/ entries and /reserved-memory regions (with and
// without no-map), and a hostile reservation block that never terminates.
#include <gtest/gtest.h>
#include <string>
#include <vector>

#include <kernel/firmware/ReservedMemory.h>

using namespace ath;
using namespace ath::firmware;

namespace {

void be32(std::vector<u8>& out, u32 v)
{
    for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(static_cast<u8>(v >> shift));
}
void be64(std::vector<u8>& out, u64 v)
{
    be32(out, static_cast<u32>(v >> 32));
    be32(out, static_cast<u32>(v));
}

// A blob with the given /memreserve/ entries (terminated unless `terminate` is false) and a
// /reserved-memory node holding one region per entry of `regions` (2 address, 2 size cells).
std::vector<u8> blob_with(const std::vector<std::pair<u64, u64>>& memreserve, const std::vector<std::pair<u64, u64>>& regions,
                          bool terminate = true)
{
    std::vector<u8> structure, strings;
    auto string_offset = [&](const std::string& name) {
        u32 offset = static_cast<u32>(strings.size());
        strings.insert(strings.end(), name.begin(), name.end());
        strings.push_back(0);
        return offset;
    };
    auto begin = [&](const std::string& name) {
        be32(structure, 1);
        structure.insert(structure.end(), name.begin(), name.end());
        structure.push_back(0);
        while (structure.size() % 4)
            structure.push_back(0);
    };
    auto property = [&](const std::string& name, const std::vector<u32>& cells) {
        be32(structure, 3);
        be32(structure, static_cast<u32>(cells.size() * 4));
        be32(structure, string_offset(name));
        for (u32 cell : cells)
            be32(structure, cell);
    };
    begin("");
    property("#address-cells", { 2 });
    property("#size-cells", { 2 });
    begin("reserved-memory");
    property("#address-cells", { 2 });
    property("#size-cells", { 2 });
    for (usize i = 0; i < regions.size(); ++i) {
        begin("region@" + std::to_string(i));
        auto [address, size] = regions[i];
        property("reg", { static_cast<u32>(address >> 32), static_cast<u32>(address), static_cast<u32>(size >> 32),
                          static_cast<u32>(size) });
        if (i % 2 == 0)
            property("no-map", {});
        be32(structure, 2);
    }
    be32(structure, 2);
    be32(structure, 2);
    be32(structure, 9);

    std::vector<u8> reservations;
    for (auto [address, size] : memreserve) {
        be64(reservations, address);
        be64(reservations, size);
    }
    if (terminate) {
        be64(reservations, 0);
        be64(reservations, 0);
    }
    u32 reserve_map = 40;
    u32 structure_offset = reserve_map + static_cast<u32>(reservations.size());
    u32 strings_offset = structure_offset + static_cast<u32>(structure.size());
    u32 total = strings_offset + static_cast<u32>(strings.size());
    std::vector<u8> blob;
    for (u32 field : { DeviceTree::magic, total, structure_offset, strings_offset, reserve_map, 17u, 16u, 0u,
                       static_cast<u32>(strings.size()), static_cast<u32>(structure.size()) })
        be32(blob, field);
    blob.insert(blob.end(), reservations.begin(), reservations.end());
    blob.insert(blob.end(), structure.begin(), structure.end());
    blob.insert(blob.end(), strings.begin(), strings.end());
    return blob;
}

// device_tree_reserved_ranges over `blob`, which must parse, into `ranges`; their count.
void list_reserved(const std::vector<u8>& blob, Span<RegEntry> ranges, usize& count)
{
    ReadonlyBytes bytes(blob.data(), blob.size());
    auto tree = DeviceTree::create(bytes);
    ASSERT_FALSE(tree.is_error()) << tree.error().reason;
    count = device_tree_reserved_ranges(bytes, tree.value(), ranges);
}

} // namespace

TEST(ReservedMemory, ListsMemreserveAndReservedMemoryRegions)
{
    auto blob = blob_with({ { 0x1000, 0x2000 } }, { { 0x80000000, 0x40000 }, { 0x9000000000ULL, 0x1000 } });
    RegEntry ranges[8];
    usize count = 0;
    ASSERT_NO_FATAL_FAILURE(list_reserved(blob, Span<RegEntry>(ranges, 8), count));
    ASSERT_EQ(count, 3u);
    EXPECT_EQ(ranges[0].address, 0x1000u);
    EXPECT_EQ(ranges[0].size, 0x2000u);
    EXPECT_EQ(ranges[1].address, 0x80000000u); // with no-map
    EXPECT_EQ(ranges[1].size, 0x40000u);
    EXPECT_EQ(ranges[2].address, 0x9000000000ULL); // without no-map: reserved all the same
}

TEST(ReservedMemory, CountsWhatDoesNotFitAndSkipsEmptyEntries)
{
    auto blob = blob_with({ { 0x1000, 0 }, { 0x3000, 0x1000 } }, { { 0x5000, 0x1000 }, { 0x7000, 0x1000 } });
    RegEntry ranges[1];
    usize count = 0;
    ASSERT_NO_FATAL_FAILURE(list_reserved(blob, Span<RegEntry>(ranges, 1), count));
    EXPECT_EQ(count, 3u);
    EXPECT_EQ(ranges[0].address, 0x3000u);
}

TEST(ReservedMemory, UnterminatedReservationBlockStaysInBounds)
{
    // No (0, 0) terminator: the walk runs into the structure block and must stop at the blob's
    // end or its entry cap, never reading outside.
    auto blob = blob_with({ { 0x1000, 0x1000 } }, {}, false);
    RegEntry ranges[4];
    usize count = 0;
    ASSERT_NO_FATAL_FAILURE(list_reserved(blob, Span<RegEntry>(ranges, 4), count));
    EXPECT_GE(count, 1u);
    EXPECT_EQ(ranges[0].address, 0x1000u);
}
