#include <kernel/firmware/ReservedMemory.h>
#include <kernel/lib/Bits.h>
#include <kernel/lib/Format.h>
#include <kernel/mm/MemoryLayout.h>
#include <kernel/mm/PhysicalMemory.h>

namespace ath::mm {

namespace {

FrameAllocator g_frames;
bool g_frames_ready = false;

// The device tree blob (the arch keeps reading it after boot-services memory is reclaimed) and
// the ranges it reserves (firmware regions a UEFI memory map may list as ordinary memory).
void reserve_device_tree_ranges(FrameAllocator& frames, u64 physical)
{
    constexpr u64 header_size = 40, max_size = 2ULL << 20;
    if (!range_within(physical, header_size, boot::direct_map_max_size))
        return;
    auto* header = phys_to_ptr<const u8>(PhysicalAddress(physical));
    u64 size = byte_swap(load_le<u32>(header + 4));
    if (size < header_size || size > max_size || !range_within(physical, size, boot::direct_map_max_size))
        return;
    ReadonlyBytes blob(header, size);
    auto tree = firmware::DeviceTree::create(blob);
    if (tree.is_error())
        return;
    frames.reserve_range(PhysicalAddress(physical), size);
    firmware::RegEntry ranges[32];
    usize count = firmware::device_tree_reserved_ranges(blob, tree.value(), Span<firmware::RegEntry>(ranges, 32));
    for (usize i = 0; i < min<usize>(count, 32); ++i) {
        if (range_within(ranges[i].address, ranges[i].size, boot::direct_map_max_size))
            frames.reserve_range(PhysicalAddress(ranges[i].address), ranges[i].size);
    }
}

// Ranges that must never be handed out whatever the memory map says about them.
void reserve_boot_data(FrameAllocator& frames, const boot::BootInfo& info)
{
    if (info.device_tree)
        reserve_device_tree_ranges(frames, info.device_tree);
    frames.reserve_range(PhysicalAddress(0), page_size); // null frame: keeps physical 0 meaning "none"
    frames.reserve_range(PhysicalAddress(info.kernel_physical_base), info.kernel_size);
    if (info.initrd)
        frames.reserve_range(PhysicalAddress(info.initrd), info.initrd_size);
    frames.reserve_range(PhysicalAddress(reinterpret_cast<u64>(&info) - direct_map_base), sizeof(boot::BootInfo));
    frames.reserve_range(PhysicalAddress(info.memory_map), info.memory_map_count * sizeof(boot::MemoryRange));
    if (info.cmdline)
        frames.reserve_range(PhysicalAddress(info.cmdline), info.cmdline_size);
    if (info.page_table_root)
        frames.reserve_range(PhysicalAddress(info.page_table_root), page_size);
}

} // namespace

Span<const boot::MemoryRange> boot_memory_map(const boot::BootInfo& info)
{
    return Span<const boot::MemoryRange>(phys_to_ptr<const boot::MemoryRange>(PhysicalAddress(info.memory_map)),
                                         info.memory_map_count);
}

ErrorOr init_physical_memory(const boot::BootInfo& info)
{
    auto map = boot_memory_map(info);
    if (map.is_empty())
        return Error::from(ErrorCode::Invalid, "the loader passed an empty memory map");

    // Manage frames up to the end of the highest RAM range the kernel may ever use.
    u64 highest = 0;
    for (auto& range : map) {
        if (range.kind != boot::MemoryKind::Usable && range.kind != boot::MemoryKind::BootServicesReclaim)
            continue;
        auto end = checked_add(range.base, range.size);
        if (!end.has_value())
            return Error::from(ErrorCode::Malformed, "memory map range wraps around");
        highest = max(highest, *end);
    }
    if (highest == 0)
        return Error::from(ErrorCode::Invalid, "the memory map has no usable RAM");
    u64 frame_count = highest / page_size;
    u64 bitmap_bytes = align_up(FrameAllocator::bitmap_words_for(frame_count) * 8, page_size);

    // The bitmap goes into the first usable range that holds it (past the null frame).
    Optional<u64> bitmap_base;
    for (auto& range : map) {
        if (range.kind != boot::MemoryKind::Usable)
            continue;
        u64 start = max(align_up(range.base, page_size), page_size);
        u64 end = align_down(range.base + range.size, page_size);
        if (end > start && end - start >= bitmap_bytes) {
            bitmap_base = start;
            break;
        }
    }
    if (!bitmap_base.has_value())
        return Error::from(ErrorCode::OutOfMemory, "no usable range can hold the frame bitmap");

    Span<u64> words(phys_to_ptr<u64>(PhysicalAddress(*bitmap_base)), bitmap_bytes / 8);
    g_frames = TRY(FrameAllocator::create(words, frame_count));
    for (auto& range : map) {
        if (range.kind == boot::MemoryKind::Usable)
            g_frames.release_range(PhysicalAddress(range.base), range.size);
    }
    g_frames.reserve_range(PhysicalAddress(*bitmap_base), bitmap_bytes);
    reserve_boot_data(g_frames, info);
    g_frames_ready = true;
    println("athanor: physical memory: {} frames managed, {} free ({} MiB), bitmap at {:#x}", frame_count,
            g_frames.free_count(), g_frames.free_count() * page_size >> 20, *bitmap_base);
    return {};
}

u64 reclaim_boot_services_memory(const boot::BootInfo& info)
{
    u64 before = g_frames.free_count();
    for (auto& range : boot_memory_map(info)) {
        if (range.kind == boot::MemoryKind::BootServicesReclaim)
            g_frames.release_range(PhysicalAddress(range.base), range.size);
    }
    // The loader's data may sit anywhere; re-reserve it in case a range overlapped.
    reserve_boot_data(g_frames, info);
    return g_frames.free_count() - before;
}

FrameAllocator& physical_frames()
{
    VERIFY(g_frames_ready);
    return g_frames;
}

Result<PhysicalAddress> allocate_zeroed_frame()
{
    auto frame = TRY(physical_frames().allocate());
    auto* bytes = phys_to_ptr<u64>(frame);
    for (usize i = 0; i < page_size / 8; ++i)
        bytes[i] = 0;
    return frame;
}

} // namespace ath::mm
