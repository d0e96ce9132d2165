#pragma once

// Reads ACPI tables through the kernel's direct map, refusing any byte whose page is not mapped
// (a table pointer into a hole is an Error, never a page fault).
#include <kernel/acpi/Acpi.h>

namespace ath::acpi {

class DirectMapReader final : public PhysicalReader {
public:
    Result<ReadonlyBytes> read(PhysicalAddress address, u64 length) const override;
};

} // namespace ath::acpi
