#pragma once

#include <boot/BootInfo.h>
#include <kernel/lib/Result.h>
#include <kernel/lib/StringView.h>

namespace ath {

// Adds the framebuffer (when BootInfo describes one) as a second sink of console_write, next to
// the arch's early console. Needs the framebuffer mapped in the direct map (Mmu::init does it).
ErrorOr attach_framebuffer_console(const boot::BootInfo& info);

// Makes the kernel's console object (kernel/object/Console.h, object::Console::system()), whose
// early sink is the arch's early console. Before it exists, and while no driver is attached to
// it, console_write prints on the early console; afterwards the kernel log goes into its ring.
void start_console_object();

} // namespace ath
