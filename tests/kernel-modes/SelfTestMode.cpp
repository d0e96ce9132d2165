// `selftest` (tests/boot/boot-test.py selftest): every in-kernel self-test (kernel/selftest), then
// power-off with status 0 when all passed, 1 otherwise.
#include <kernel/main/BootMode.h>
#include <kernel/selftest/SelfTest.h>

namespace ath {

namespace {

constexpr u8 status_selftest_failed = 1;

u8 run_selftest_mode(const initrd::TarArchive*)
{
    return selftest::run_all() == 0 ? 0 : status_selftest_failed;
}

} // namespace

ATH_BOOT_MODE(selftest, "selftest", BootStage::Ready, "run the in-kernel self-tests (tests/boot/boot-test.py selftest)",
              run_selftest_mode);

} // namespace ath
