#include <kernel/firmware/ReservedMemory.h>
#include <kernel/lib/Bits.h>

namespace ath::firmware {

namespace {

constexpr usize max_memreserve_entries = 256; // bounds the walk over a hostile block
constexpr usize max_reg_entries_per_node = 16;

Optional<u64> read_be64(ReadonlyBytes blob, usize offset)
{
    auto bytes = blob.try_slice(offset, 8);
    if (!bytes.has_value())
        return none;
    return byte_swap(load_le<u64>(bytes->data()));
}

} // namespace

usize device_tree_reserved_ranges(ReadonlyBytes blob, const DeviceTree& tree, Span<RegEntry> out)
{
    usize found = 0;
    auto add = [&](u64 address, u64 size) {
        if (size == 0)
            return;
        if (found < out.size())
            out[found] = RegEntry { address, size };
        ++found;
    };
    // /memreserve/: (address, size) pairs of big-endian u64 from off_mem_rsvmap, ended by (0, 0).
    auto header_offset = blob.try_slice(16, 4);
    if (header_offset.has_value()) {
        usize offset = byte_swap(load_le<u32>(header_offset->data()));
        for (usize i = 0; i < max_memreserve_entries; ++i) {
            auto address = read_be64(blob, offset + 16 * i);
            auto size = read_be64(blob, offset + 16 * i + 8);
            if (!address.has_value() || !size.has_value() || (*address == 0 && *size == 0))
                break;
            add(*address, *size);
        }
    }
    auto reserved = tree.find_path("/reserved-memory");
    if (reserved.has_value()) {
        reserved->for_each_child([&](const DeviceTreeNode& region) {
            for (usize index = 0; index < max_reg_entries_per_node; ++index) {
                auto reg = region.reg(index);
                if (!reg.has_value())
                    break;
                add(reg->address, reg->size);
            }
        });
    }
    return found;
}

} // namespace ath::firmware
