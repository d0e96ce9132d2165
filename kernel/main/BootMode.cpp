#include <kernel/main/BootMode.h>
#include <kernel/main/CommandLine.h>

namespace ath {

namespace {
const BootMode* g_boot_modes = nullptr;
}

BootModeRegistration::BootModeRegistration(BootMode& mode)
{
    mode.next = g_boot_modes;
    g_boot_modes = &mode;
}

const BootMode* find_boot_mode(const CommandLine& command_line, BootStage stage)
{
    for (const BootMode* mode = g_boot_modes; mode; mode = mode->next) {
        if (mode->stage == stage && command_line.has_word(mode->word))
            return mode;
    }
    return nullptr;
}

} // namespace ath
