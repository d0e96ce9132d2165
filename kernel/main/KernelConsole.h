#pragma once

#include <boot/BootInfo.h>
#include <kernel/lib/Result.h>

namespace ath {

// Adds the framebuffer (when BootInfo describes one) as a second sink of console_write, next to
// the arch's early console. Needs the framebuffer mapped in the direct map (Mmu::init does it).
ErrorOr attach_framebuffer_console(const boot::BootInfo& info);

} // namespace ath
