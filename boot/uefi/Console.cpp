#include "Console.h"

#include <Cpu.h>
#include <kernel/lib/Format.h>

namespace ath::boot {

namespace {

struct FirmwareEnvironment {
    uefi::SimpleTextOutputProtocol* console;
    uefi::BootServices* boot_services;
    uefi::RuntimeServices* runtime_services;
};

FirmwareEnvironment g_firmware {};

constexpr usize failure_pause_microseconds = 3'000'000;

void write_firmware_console(StringView text)
{
    // UCS-2 in small chunks; ConOut wants CR LF and knows nothing of UTF-8, so other bytes become '?'.
    uefi::Char16 chunk[128];
    usize used = 0;
    auto flush = [&] {
        chunk[used] = 0;
        g_firmware.console->output_string(g_firmware.console, chunk);
        used = 0;
    };
    for (char character : text) {
        if (used + 3 >= sizeof(chunk) / sizeof(chunk[0]))
            flush();
        if (character == '\n')
            chunk[used++] = u'\r';
        bool printable = character == '\n' || character == '\t' || (character >= 0x20 && character < 0x7F);
        chunk[used++] = printable ? static_cast<uefi::Char16>(character) : u'?';
    }
    if (used > 0)
        flush();
}

[[noreturn]] void power_off()
{
    if (g_firmware.boot_services != nullptr)
        g_firmware.boot_services->stall(failure_pause_microseconds);
    if (g_firmware.runtime_services != nullptr)
        g_firmware.runtime_services->reset_system(uefi::ResetType::Shutdown, uefi::load_error, 0, nullptr);
    for (;;)
        asm volatile("" ::: "memory");
}

} // namespace

void attach_firmware(uefi::SystemTable* system)
{
    g_firmware = { system->con_out, system->boot_services, system->runtime_services };
}

void detach_firmware_console()
{
    g_firmware.console = nullptr;
    g_firmware.boot_services = nullptr;
}

[[noreturn]] void fail(StringView what, const Error& error)
{
    if (error.has_offset())
        println("azboot: error: {}: {} (at byte {:#x})", what, error.reason, error.offset);
    else
        println("azboot: error: {}: {}", what, error.reason);
    println("azboot: cannot start Athanor; powering off");
    power_off();
}

[[noreturn]] void fail(StringView message)
{
    println("azboot: error: {}", message);
    println("azboot: cannot start Athanor; powering off");
    power_off();
}

} // namespace ath::boot

namespace ath {

void console_write(StringView text)
{
    if (boot::g_firmware.console != nullptr)
        boot::write_firmware_console(text);
    else
        boot::arch::write_serial(text);
}

[[noreturn]] void panic_at(const char* file, int line, const char* message)
{
    println("azboot: internal error at {}:{}: {}", file, line, message);
    boot::power_off();
}

} // namespace ath
