// ath::console_write for the kernel: every line goes to the arch's early console (serial) and,
// once attached, to the framebuffer console from kernel/console.
#include <kernel/arch/Arch.h>
#include <kernel/console/FramebufferConsole.h>
#include <kernel/lib/Placement.h>
#include <kernel/main/KernelConsole.h>
#include <kernel/mm/MemoryLayout.h>

namespace ath {

namespace {
alignas(console::FramebufferConsole) u8 g_framebuffer_storage[sizeof(console::FramebufferConsole)];
console::FramebufferConsole* g_framebuffer = nullptr;
} // namespace

namespace {
ConsoleRedirect g_redirect = nullptr;
} // namespace

void set_console_redirect(ConsoleRedirect redirect) { g_redirect = redirect; }

void console_write(StringView text)
{
    if (g_redirect && g_redirect(text)) {
        if (g_framebuffer)
            g_framebuffer->write(text);
        return;
    }
    for (char c : text) {
        if (c == '\n')
            Arch::console_putc('\r');
        Arch::console_putc(c);
    }
    if (g_framebuffer)
        g_framebuffer->write(text);
}

ErrorOr attach_framebuffer_console(const boot::BootInfo& info)
{
    if (info.framebuffer.format == boot::PixelFormat::None || info.framebuffer.base == 0)
        return Error::from(ErrorCode::NotFound, "the loader reported no framebuffer");
    void* pixels = mm::phys_to_ptr<void>(PhysicalAddress(info.framebuffer.base));
    auto console = TRY(console::FramebufferConsole::create(info.framebuffer, pixels));
    g_framebuffer = new (g_framebuffer_storage) console::FramebufferConsole(move(console));
    g_framebuffer->clear();
    return {};
}

} // namespace ath
