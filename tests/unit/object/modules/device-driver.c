// device-driver: a test module for the Device, Irq, Timer and PCI imports and call_with_handle
// (tests/unit/object/DeviceAbiTest.cpp). Every export returns a value >= 0 or -status.
// As a server, azoth_handle(op, a, b, received) works on the handle a call carried in word 3.
#include <azoth.h>

static int64_t fail(azoth_status_t status) { return -(int64_t)status; }

__attribute__((export_name("read_reg"))) int64_t read_reg(azoth_handle_t device, uint32_t offset, uint32_t width)
{
    uint64_t value = 0;
    azoth_status_t status = azoth_register_read(device, offset, width, &value);
    return status == AZOTH_OK ? (int64_t)(value & 0x7FFFFFFFFFFFFFFFull) : fail(status);
}

__attribute__((export_name("read_reg_to"))) int64_t read_reg_to(azoth_handle_t device, uint32_t out)
{
    return fail(azoth_register_read(device, 0, 1, (uint64_t*)(uintptr_t)out));
}

__attribute__((export_name("write_reg"))) int64_t write_reg(azoth_handle_t device, uint32_t offset, uint32_t width, uint64_t value)
{
    return fail(azoth_register_write(device, offset, width, value));
}

__attribute__((export_name("event_new"))) int64_t event_new(void)
{
    azoth_handle_t event = 0;
    azoth_status_t status = azoth_event_create(&event);
    return status == AZOTH_OK ? (int64_t)event : fail(status);
}

// Bits of `mask` set on `event` now (0 when none), or -status.
__attribute__((export_name("poll"))) int64_t poll(azoth_handle_t event, uint32_t mask)
{
    uint32_t bits = 0;
    azoth_status_t status = azoth_event_wait(event, mask, 0, &bits);
    if (status == AZOTH_E_TIMED_OUT)
        return 0;
    return status == AZOTH_OK ? (int64_t)bits : fail(status);
}

__attribute__((export_name("bind_irq"))) int64_t bind_irq(azoth_handle_t irq, azoth_handle_t event, uint32_t bits)
{
    return fail(azoth_irq_bind(irq, event, bits));
}

__attribute__((export_name("ack"))) int64_t ack(azoth_handle_t irq) { return fail(azoth_irq_ack(irq)); }

__attribute__((export_name("timer_new"))) int64_t timer_new(void)
{
    azoth_handle_t timer = 0;
    azoth_status_t status = azoth_timer_create(&timer);
    return status == AZOTH_OK ? (int64_t)timer : fail(status);
}

__attribute__((export_name("timer_new_to"))) int64_t timer_new_to(uint32_t out)
{
    return fail(azoth_timer_create((azoth_handle_t*)(uintptr_t)out));
}

__attribute__((export_name("timer_arm"))) int64_t timer_arm(azoth_handle_t timer, azoth_handle_t event, uint32_t bits, uint64_t delay, uint64_t period)
{
    azoth_status_t status = azoth_timer_bind(timer, event, bits);
    if (status != AZOTH_OK)
        return fail(status);
    return fail(azoth_timer_set(timer, delay, period));
}

__attribute__((export_name("timer_stop"))) int64_t timer_stop(azoth_handle_t timer) { return fail(azoth_timer_cancel(timer)); }

__attribute__((export_name("close"))) int64_t close_handle(azoth_handle_t handle) { return fail(azoth_handle_close(handle)); }

__attribute__((export_name("rights"))) int64_t rights(azoth_handle_t handle)
{
    uint32_t value = 0;
    azoth_status_t status = azoth_handle_rights(handle, &value);
    return status == AZOTH_OK ? (int64_t)value : fail(status);
}

// Sends `handle` with a call: the server's first result word, or -status.
__attribute__((export_name("give"))) int64_t give(azoth_handle_t endpoint, azoth_handle_t handle, uint32_t mask, uint32_t mode, uint64_t op)
{
    uint64_t reply[4] = { 0, 0, 0, 0 };
    azoth_status_t status = azoth_call_with_handle(endpoint, handle, mask, mode, op, 0, 0, reply);
    return status == AZOTH_OK ? (int64_t)reply[0] : fail(status);
}

__attribute__((export_name("give_to"))) int64_t give_to(azoth_handle_t endpoint, azoth_handle_t handle, uint32_t results)
{
    return fail(azoth_call_with_handle(endpoint, handle, AZOTH_RIGHT_READ, 1, 0, 0, 0, (uint64_t*)(uintptr_t)results));
}

static azoth_handle_t kept;

enum { OP_RIGHTS = 1, OP_KEEP = 2, OP_TRAP = 3, OP_SIGNAL_KEPT = 4 };

__attribute__((export_name("azoth_handle"))) int64_t azoth_handle(int64_t op, int64_t a, int64_t b, int64_t received)
{
    (void)a;
    (void)b;
    switch (op) {
    case OP_RIGHTS: return rights((azoth_handle_t)received);
    case OP_KEEP: kept = (azoth_handle_t)received; return (int64_t)kept;
    case OP_TRAP: __builtin_trap();
    case OP_SIGNAL_KEPT: return fail(azoth_event_signal(kept, 1));
    default: return -1;
    }
}

// ---- PCI functions (DeviceAbiTest.Pci*) ----

__attribute__((export_name("pci_read"))) int64_t pci_read(azoth_handle_t device, uint32_t offset, uint32_t width)
{
    uint32_t value = 0;
    azoth_status_t status = azoth_pci_config_read(device, offset, width, &value);
    return status == AZOTH_OK ? (int64_t)value : fail(status);
}

__attribute__((export_name("pci_read_to"))) int64_t pci_read_to(azoth_handle_t device, uint32_t out)
{
    return fail(azoth_pci_config_read(device, 0, 4, (uint32_t*)(uintptr_t)out));
}

__attribute__((export_name("pci_write"))) int64_t pci_write(azoth_handle_t device, uint32_t offset, uint32_t width, uint32_t value)
{
    return fail(azoth_pci_config_write(device, offset, width, value));
}

// BAR `index`: kind << 56 | flags << 48 | size (sizes below 2^48), or -status.
__attribute__((export_name("pci_bar"))) int64_t pci_bar(azoth_handle_t device, uint32_t index)
{
    azoth_pci_bar_t bar;
    azoth_status_t status = azoth_pci_bar_info(device, index, &bar);
    return status == AZOTH_OK ? (int64_t)((uint64_t)bar.kind << 56 | (uint64_t)bar.flags << 48 | bar.size) : fail(status);
}

__attribute__((export_name("pci_bar_address"))) int64_t pci_bar_address(azoth_handle_t device, uint32_t index)
{
    azoth_pci_bar_t bar;
    azoth_status_t status = azoth_pci_bar_info(device, index, &bar);
    return status == AZOTH_OK ? (int64_t)bar.address : fail(status);
}

__attribute__((export_name("pci_bar_to"))) int64_t pci_bar_to(azoth_handle_t device, uint32_t out)
{
    return fail(azoth_pci_bar_info(device, 4, (azoth_pci_bar_t*)(uintptr_t)out));
}

__attribute__((export_name("pci_bar_open"))) int64_t pci_bar_open(azoth_handle_t device, uint32_t index)
{
    azoth_handle_t window = 0;
    azoth_status_t status = azoth_pci_bar_open(device, index, &window);
    return status == AZOTH_OK ? (int64_t)window : fail(status);
}

__attribute__((export_name("pci_list_open"))) int64_t pci_list_open(void)
{
    azoth_pci_info_t info;
    azoth_handle_t device;
    azoth_status_t listed = azoth_pci_list(0, &info);
    azoth_status_t opened = azoth_pci_open(0, &device);
    return listed == opened ? fail(listed) : -1000;
}

__attribute__((export_name("dma_new"))) int64_t dma_new(azoth_handle_t device, uint64_t size)
{
    azoth_handle_t dma = 0;
    azoth_status_t status = azoth_dma_create(device, size, &dma);
    return status == AZOTH_OK ? (int64_t)dma : fail(status);
}

__attribute__((export_name("dma_addr"))) int64_t dma_addr(azoth_handle_t dma)
{
    uint64_t address = 0;
    azoth_status_t status = azoth_dma_address(dma, &address);
    return status == AZOTH_OK ? (int64_t)address : fail(status);
}

__attribute__((export_name("dma_region_of"))) int64_t dma_region_of(azoth_handle_t dma)
{
    azoth_handle_t region = 0;
    azoth_status_t status = azoth_dma_region(dma, &region);
    return status == AZOTH_OK ? (int64_t)region : fail(status);
}

__attribute__((export_name("irq_open"))) int64_t irq_open(azoth_handle_t device, uint32_t vector)
{
    azoth_handle_t irq = 0;
    azoth_status_t status = azoth_pci_irq_open(device, vector, &irq);
    return status == AZOTH_OK ? (int64_t)irq : fail(status);
}
