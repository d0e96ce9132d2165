// Physical frame allocator: the kernel's own allocator and a private one over a small bitmap.
#include <kernel/main/Kernel.h>
#include <kernel/mm/MemoryLayout.h>
#include <kernel/mm/PhysicalMemory.h>
#include <kernel/selftest/SelfTest.h>

namespace ath {

namespace {
bool overlaps(u64 frame, u64 base, u64 size) { return size != 0 && frame + page_size > base && frame < base + size; }
} // namespace

ATH_SELFTEST(frames_allocate_free_and_double_free)
{
    auto& frames = mm::physical_frames();
    u64 free_before = frames.free_count();
    auto frame = TRY(frames.allocate());
    EXPECT(frame.is_aligned(page_size));
    EXPECT(!frames.is_free(frame));
    EXPECT(frames.free_count() == free_before - 1);
    // The frame is usable memory: write and read it through the direct map.
    auto* word = mm::phys_to_ptr<volatile u64>(frame);
    *word = 0x0123456789ABCDEFULL;
    EXPECT(*word == 0x0123456789ABCDEFULL);
    TRY(frames.free(frame));
    EXPECT(frames.free_count() == free_before);
    auto second = frames.free(frame);
    EXPECT(second.is_error());
    EXPECT(frames.free_count() == free_before);
    EXPECT(frames.free(PhysicalAddress(frame.get() + 1)).is_error());
    return {};
}

ATH_SELFTEST(frames_never_hand_out_kernel_or_boot_data)
{
    auto& frames = mm::physical_frames();
    auto& info = boot_info();
    constexpr usize count = 2048;
    static u64 taken[count];
    usize allocated = 0;
    ErrorOr verdict;
    for (; allocated < count; ++allocated) {
        auto frame = frames.allocate();
        if (frame.is_error())
            break;
        taken[allocated] = frame.value().get();
        u64 address = taken[allocated];
        u64 boot_info_physical = reinterpret_cast<u64>(&info) - mm::direct_map_base;
        if (address == 0 || overlaps(address, info.kernel_physical_base, info.kernel_size)
            || overlaps(address, info.initrd, info.initrd_size)
            || overlaps(address, boot_info_physical, sizeof(boot::BootInfo))
            || overlaps(address, info.memory_map, info.memory_map_count * sizeof(boot::MemoryRange))) {
            verdict = selftest::failure("frame {:#x} holds the kernel, initrd, BootInfo or memory map", address);
            ++allocated;
            break;
        }
    }
    // No frame may come out twice: every taken frame is distinct (checked with a sort).
    for (usize i = 1; i < allocated && !verdict.is_error(); ++i) {
        for (usize j = i; j > 0 && taken[j - 1] > taken[j]; --j) {
            u64 swap = taken[j];
            taken[j] = taken[j - 1];
            taken[j - 1] = swap;
        }
    }
    for (usize i = 1; i < allocated && !verdict.is_error(); ++i) {
        if (taken[i] == taken[i - 1])
            verdict = selftest::failure("frame {:#x} was handed out twice", taken[i]);
    }
    for (usize i = 0; i < allocated; ++i)
        TRY(frames.free(PhysicalAddress(taken[i])));
    EXPECT(allocated == count);
    return verdict;
}

ATH_SELFTEST(frames_exhaustion_and_contiguous_runs)
{
    // A private allocator over 128 frames (bitmap on the stack) so exhaustion is cheap to reach.
    u64 words[2];
    auto frames = TRY(mm::FrameAllocator::create(Span<u64>(words, 2), 128));
    EXPECT(frames.free_count() == 0);
    frames.release_range(PhysicalAddress(0x1000), 100 * page_size + 123); // partial last frame ignored
    frames.reserve_range(PhysicalAddress(0x5000), 1);                     // any touched frame is taken
    EXPECT(frames.free_count() == 99);
    u64 handed_out = 0;
    while (frames.allocate().has_value())
        ++handed_out;
    EXPECT(handed_out == 99);
    auto exhausted = frames.allocate();
    EXPECT(exhausted.is_error() && exhausted.error().code == ErrorCode::OutOfMemory);
    TRY(frames.free(PhysicalAddress(0x9000)));
    auto again = TRY(frames.allocate());
    EXPECT(again.get() == 0x9000);
    TRY(frames.free_contiguous(PhysicalAddress(0x10000), 8));
    auto run = TRY(frames.allocate_contiguous(8));
    EXPECT(run.get() == 0x10000);
    EXPECT(frames.allocate_contiguous(2).is_error());
    EXPECT(frames.free(PhysicalAddress(128 * page_size)).is_error());
    return {};
}

} // namespace ath
