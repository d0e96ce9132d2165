// ath::console_write for the kernel log: a line goes into the console object (kernel/object/Console.h:
// its ring while a driver is attached, else the arch's early console) and to the framebuffer console
// from kernel/console once that is attached. Before the console object exists, and with interrupts
// off, the line goes to the early console and framebuffer directly. The kernel log calls down into
// the console object; nothing is installed into this file from a higher layer. Console input
// received while no driver owns the UART is polled from the arch (early_console_read).
#include <kernel/arch/Arch.h>
#include <kernel/console/FramebufferConsole.h>
#include <kernel/lib/Placement.h>
#include <kernel/main/KernelConsole.h>
#include <kernel/mm/MemoryLayout.h>
#include <kernel/object/Console.h>
#include <kernel/platform/kernel/KernelWait.h>

namespace ath {

using object::StreamKind;

namespace {
alignas(console::FramebufferConsole) u8 g_framebuffer_storage[sizeof(console::FramebufferConsole)];
console::FramebufferConsole* g_framebuffer = nullptr;

alignas(object::Console) u8 g_console_storage[sizeof(object::Console)];

void early_console_write(StreamKind, ReadonlyBytes text)
{
    for (u8 byte : text) {
        if (byte == '\n')
            Arch::console_putc('\r');
        Arch::console_putc(static_cast<char>(byte));
    }
}

// Console input while no driver owns the UART: what its receive register holds, a typed CR (the
// terminal's Enter) made LF, as the UART driver module does. No echo: nothing owns the terminal.
usize early_console_read(Bytes buffer, bool&)
{
    usize length = 0;
    while (length < buffer.size()) {
        auto byte = Arch::console_getc();
        if (!byte.has_value())
            break;
        buffer[length++] = *byte == '\r' ? u8('\n') : *byte;
    }
    return length;
}

void framebuffer_write(StreamKind, ReadonlyBytes text)
{
    if (g_framebuffer)
        g_framebuffer->write(StringView(reinterpret_cast<const char*>(text.data()), text.size()));
}
} // namespace

void start_console_object()
{
    // Lives as long as the kernel: the storage's reference is never dropped.
    object::Console::set_system(
        new (g_console_storage) object::Console(process::KernelWaitProvider::instance(), early_console_write, framebuffer_write,
            early_console_read));
}

void console_write(StringView text)
{
    ReadonlyBytes bytes(reinterpret_cast<const u8*>(text.characters()), text.length());
    object::Console* console = object::Console::system();
    // With interrupts off (a panic, an exception report) nothing may wait for a driver: print
    // directly, as before the console object exists.
    if (console && Arch::interrupts_enabled()) {
        console->write(bytes);
        return;
    }
    early_console_write(StreamKind::Output, bytes);
    framebuffer_write(StreamKind::Output, bytes);
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
