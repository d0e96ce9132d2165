// The do-nothing UEFI application the boot benchmark compares against: the firmware's own time to
// start an application is the floor no loader can beat. It prints one line and powers off.
#include "../Uefi.h"

extern "C" ath::uefi::Status efi_main(ath::uefi::Handle, ath::uefi::SystemTable* system)
{
    system->con_out->output_string(system->con_out, u"azboot-hello: started\r\n");
    system->runtime_services->reset_system(ath::uefi::ResetType::Shutdown, ath::uefi::success, 0, nullptr);
    return ath::uefi::success;
}
