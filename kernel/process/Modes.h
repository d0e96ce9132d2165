#pragma once

// The normal boot, when no boot mode word is on the command line (the modes: kernel/main/BootMode.h).
#include <kernel/initrd/TarArchive.h>
#include <kernel/lib/Optional.h>
#include <kernel/lib/Types.h>

namespace ath::process {

// init from the initrd; its exit status, or none when there is no init.
Optional<u8> run_init_mode(const initrd::TarArchive& initrd);

} // namespace ath::process
