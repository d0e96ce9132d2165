#pragma once

// Boot modes: what kernel_main does, after `athanor: ready`, when a command-line word names one.
// Each mode registers itself with ATH_BOOT_MODE in the file that implements it; the registration is
// a static object whose constructor (run with the other global constructors, before any mode is
// looked up) links the mode into one list. A mode is therefore in exactly the images whose link
// holds its file: the default image (kernel/athanor.elf) has the user-facing modes (`exec`,
// `bench-boot`); the test image (athanor-test.elf) adds the test and benchmark modes of
// tests/kernel-modes and bench/kernel-modes. With no mode word the kernel starts init.
#include <kernel/initrd/TarArchive.h>
#include <kernel/lib/StringView.h>
#include <kernel/lib/Types.h>

namespace ath {

class CommandLine;

// How far kernel_main has come when the mode runs; each stage has what the previous ones set up.
enum class BootStage : u8 {
    Ready,   // memory, heap, interrupts and time; no kernel threads yet
    Threads, // kernel threads and the kernel's random generator
    Initrd,  // the initrd, read and valid (a mode of this stage is not run without one)
};

struct BootMode {
    StringView word;        // the command-line word that selects it
    BootStage stage;
    StringView description; // one line: what the mode does and who boots it
    // Returns the power-off status. `initrd` is null before BootStage::Initrd.
    u8 (*run)(const initrd::TarArchive* initrd);
    const BootMode* next { nullptr };
};

// Links `mode` into the list; used through ATH_BOOT_MODE.
class BootModeRegistration {
public:
    explicit BootModeRegistration(BootMode& mode);
};

// The registered mode of `stage` whose word is on the command line (the first found), or null.
const BootMode* find_boot_mode(const CommandLine& command_line, BootStage stage);

} // namespace ath

// ATH_BOOT_MODE(identifier, "word", BootStage::X, "description", function)
#define ATH_BOOT_MODE(identifier, mode_word, mode_stage, mode_description, mode_function)                    \
    static ::ath::BootMode boot_mode_##identifier { mode_word, mode_stage, mode_description, mode_function }; \
    static ::ath::BootModeRegistration boot_mode_registration_##identifier { boot_mode_##identifier }
