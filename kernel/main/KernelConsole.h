#pragma once

#include <boot/BootInfo.h>
#include <kernel/lib/Result.h>
#include <kernel/lib/StringView.h>

namespace ath {

// Adds the framebuffer (when BootInfo describes one) as a second sink of console_write, next to
// the arch's early console. Needs the framebuffer mapped in the direct map (Mmu::init does it).
ErrorOr attach_framebuffer_console(const boot::BootInfo& info);

// Hands console text to a driver instead of the arch's early console (the UART driver module,
// kernel/process/ConsoleStream.h). The redirect returns false to decline a write (no driver, or a
// context that cannot wait for one, e.g. a panic with interrupts off); then the early console
// prints it as before. Null removes the redirect.
using ConsoleRedirect = bool (*)(StringView text);
void set_console_redirect(ConsoleRedirect redirect);

} // namespace ath
