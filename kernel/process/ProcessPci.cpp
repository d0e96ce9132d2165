// The `azoth` imports that find PCI functions (abi/azoth.def, "PCI functions"): booted only, for
// a module holding the `pci` capability (checked by the generated trampoline), and entropy_add,
// for a driver holding `entropy-source`. What a PciDevice handle then allows is in
// kernel/sys/AzothDevice.cpp.
#include <abi-gen/AzothImports.h>
#include <kernel/object/HandleTable.h>
#include <kernel/platform/kernel/KernelPci.h>
#include <kernel/platform/kernel/KernelRandom.h>
#include <kernel/process/Process.h>
#include <kernel/process/ProcessIpc.h>

namespace ath::sys::abi::azoth {

using process::Process;

// info is checked (aligned, writable) by the trampoline.
Result<Status> pci_list(Process&, u32 index, Out<pci_info_t> info)
{
    auto devices = kernel_pci_devices();
    if (index >= devices.size())
        return E_NOT_FOUND;
    const pci::Function& function = devices[index]->function();
    pci_info_t facts { function.address.encoded(), function.vendor, function.device,
        u32(function.class_code) << 16 | u32(function.subclass) << 8 | function.prog_if, function.revision, function.header_type };
    TRY(info.write(facts));
    return OK;
}

Result<Status> pci_open(Process& process, u32 address, Out<u32> handle_out)
{
    if (address > 0xFFFF)
        return E_NOT_FOUND;
    object::ProcessObject* table_owner = process.ipc().object();
    if (!table_owner)
        return E_BAD_HANDLE;
    for (auto& device : kernel_pci_devices()) {
        if (device->function().address.encoded() != address)
            continue;
        using object::Rights;
        Handle handle = TRY(table_owner->handles().install(*device, Rights::Read | Rights::Write | Rights::Transfer | Rights::Derive));
        if (auto written = handle_out.write(handle); written.is_error()) {
            (void)table_owner->handles().close(handle);
            return written.release_error();
        }
        return OK;
    }
    return E_NOT_FOUND;
}

// A driver of an entropy device (capability `entropy-source`, checked by the trampoline) feeds the
// kernel's pool.
Result<Status> entropy_add(Process& process, BytesIn bytes)
{
    ReadonlyBytes input = TRY(bytes.view());
    if (input.size() == 0 || input.size() > max_entropy_delivery)
        return E_INVALID_ARGUMENT;
    TRY(kernel_random_add_entropy(input, process.name()));
    return OK;
}

} // namespace ath::sys::abi::azoth
