#pragma once

#include <boot/BootInfo.h>

namespace ath {

// The loader's hand-off, for subsystems that need firmware pointers after boot (ACPI, initrd).
const boot::BootInfo& boot_info();

} // namespace ath
