#include <kernel/acpi/DirectMapReader.h>
#include <kernel/arch/Arch.h>
#include <kernel/mm/MemoryLayout.h>

namespace ath::acpi {

Result<ReadonlyBytes> DirectMapReader::read(PhysicalAddress address, u64 length) const
{
    auto end = checked_add(address.get(), length);
    if (!end.has_value() || *end > boot::direct_map_max_size)
        return Error::at(ErrorCode::OutOfRange, address.get(), "ACPI pointer outside physical memory");
    for (u64 page = align_down(address.get(), page_size); page < *end; page += page_size) {
        if (!Arch::Mmu::translate(VirtualAddress(mm::direct_map_base + page)).has_value())
            return Error::at(ErrorCode::OutOfRange, page, "ACPI pointer into unmapped physical memory");
    }
    return ReadonlyBytes(mm::phys_to_ptr<const u8>(address), length);
}

} // namespace ath::acpi
