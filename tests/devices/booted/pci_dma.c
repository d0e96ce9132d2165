/* pci-dma: a hostile driver against DMA buffers (kernel/object/DmaBuffer.h), on the virtio
 * console behind the root port (the virtio-rng belongs to the virtio-rng driver in this image).
 * It must be refused every buffer outside the rules (size 0, past 4 MiB, a bridge, a read-only
 * or wrong-kind handle), every mapping outside its own linear memory, and every use of a freed
 * handle; bus mastering must be on exactly while it holds a buffer. Then it traps holding a
 * buffer (a driver dying mid-transfer): init restarts it once (restart = on-failure), and the
 * second run, which finds the marker the first left in the function's cache-line-size register (a
 * byte the driver owns), checks that the kernel turned bus mastering off when the first run died. */
#define BOOTED_MODULE "pci-dma"
#include "booted_check.h"

#include <azoth.h>

#include <string.h>

enum { CONSOLE = 0x1043, ROOT_PORT = 0x000c, MARKER = 0x5a, CACHE_LINE_SIZE = 0x0C, COMMAND = 0x04, BUS_MASTER = 0x4 };

static unsigned char window[2 * 4096] __attribute__((aligned(4096)));

static int find(uint16_t vendor, uint16_t id, azoth_handle_t* handle)
{
    azoth_pci_info_t info;
    for (uint32_t i = 0; azoth_pci_list(i, &info) == AZOTH_OK; ++i) {
        if (info.vendor == vendor && info.device == id)
            return azoth_pci_open(info.address, handle) == AZOTH_OK;
    }
    return 0;
}

static uint32_t config(azoth_handle_t device, uint32_t offset, uint32_t width)
{
    uint32_t value = 0xFFFFFFFFu;
    azoth_pci_config_read(device, offset, width, &value);
    return value;
}

static int mastering(azoth_handle_t device) { return (config(device, COMMAND, 2) & BUS_MASTER) != 0; }

static azoth_handle_t console;

static void refusals(void)
{
    const char* name = "refusals";
    azoth_handle_t dma = 0, port = 0, reader = 0, event = 0;
    CHECK(name, !mastering(console), "bus mastering is on before any buffer (command %#x)", config(console, COMMAND, 2));
    CHECK(name, azoth_dma_create(console, 0, &dma) == AZOTH_E_INVALID_ARGUMENT, "size 0");
    CHECK(name, azoth_dma_create(console, (4u << 20) + 1, &dma) == AZOTH_E_INVALID_ARGUMENT, "4 MiB + 1");
    CHECK(name, azoth_dma_create(console, 1ull << 40, &dma) == AZOTH_E_INVALID_ARGUMENT, "1 TiB");
    CHECK(name, azoth_dma_create(console, UINT64_MAX, &dma) == AZOTH_E_INVALID_ARGUMENT, "2^64 - 1");
    CHECK(name, find(0x1b36, ROOT_PORT, &port), "no root port");
    CHECK(name, azoth_dma_create(port, 4096, &dma) == AZOTH_E_INVALID_ARGUMENT, "a buffer for the bridge");
    CHECK(name, azoth_handle_derive(console, AZOTH_RIGHT_READ, &reader) == AZOTH_OK, "derive read-only");
    CHECK(name, azoth_dma_create(reader, 4096, &dma) == AZOTH_E_PERMISSION_DENIED, "a buffer through a read-only handle");
    CHECK(name, azoth_event_create(&event) == AZOTH_OK, "event");
    CHECK(name, azoth_dma_create(event, 4096, &dma) == AZOTH_E_BAD_HANDLE, "a buffer for an event");
    CHECK(name, azoth_dma_create(console, 4096, (azoth_handle_t*)0xFFFFFFF0u) == AZOTH_E_FAULT, "an output outside memory");
    CHECK(name, !mastering(console), "a refused buffer turned bus mastering on");
    azoth_handle_close(reader);
    azoth_handle_close(port);
    azoth_handle_close(event);
    ok(name);
}

static void lifecycle(void)
{
    const char* name = "lifecycle";
    azoth_handle_t dma = 0, region = 0, copy = 0;
    uint64_t address = 0;
    CHECK(name, azoth_dma_create(console, 5000, &dma) == AZOTH_OK, "a 5000-byte buffer");
    CHECK(name, mastering(console), "bus mastering is off while a buffer lives (command %#x)", config(console, COMMAND, 2));
    CHECK(name, azoth_dma_address(dma, &address) == AZOTH_OK && address != 0 && address % 4096 == 0, "device address %#llx",
        (unsigned long long)address);
    printf("pci-dma: buffer at device address %#llx\n", (unsigned long long)address);
    CHECK(name, azoth_dma_region(dma, &region) == AZOTH_OK, "the region");
    /* Mapping: only inside its own linear memory, page aligned. */
    uint32_t memory = (uint32_t)__builtin_wasm_memory_size(0) * 65536u;
    CHECK(name, azoth_region_map(region, memory, 1) == AZOTH_E_FAULT, "mapped at the end of memory");
    CHECK(name, azoth_region_map(region, memory - 4096, 1) == AZOTH_E_FAULT, "mapped across the end of memory (2 pages)");
    CHECK(name, azoth_region_map(region, 0xFFFFF000u, 1) == AZOTH_E_FAULT, "mapped at 4 GiB - 4 KiB");
    CHECK(name, azoth_region_map(region, (uint32_t)(uintptr_t)window + 8, 1) == AZOTH_E_INVALID_ARGUMENT, "mapped misaligned");
    CHECK(name, azoth_region_map(region, (uint32_t)(uintptr_t)window, 1) == AZOTH_OK, "mapped over its window");
    volatile unsigned char* bytes = window;
    for (int i = 0; i < 2 * 4096; ++i)
        CHECK(name, bytes[i] == 0, "byte %d of a new buffer is %u", i, bytes[i]);
    bytes[0] = 0xA5;
    /* The buffer stays the driver's: no transfer, no derive. */
    CHECK(name, azoth_handle_derive(dma, AZOTH_RIGHT_READ, &copy) == AZOTH_E_PERMISSION_DENIED, "derived the DMA handle");
    /* Kinds do not mix. */
    CHECK(name, azoth_dma_address(console, &address) == AZOTH_E_BAD_HANDLE, "a PciDevice as a DMA buffer");
    CHECK(name, azoth_dma_create(dma, 4096, &copy) == AZOTH_E_BAD_HANDLE, "a DMA buffer as a PciDevice");
    CHECK(name, azoth_dma_address(dma, (uint64_t*)0xFFFFFFF8u) == AZOTH_E_FAULT, "address written outside memory");
    CHECK(name, azoth_region_unmap((uint32_t)(uintptr_t)window) == AZOTH_OK, "unmap");
    CHECK(name, azoth_handle_close(region) == AZOTH_OK, "close the region");
    CHECK(name, azoth_handle_close(dma) == AZOTH_OK, "close the buffer");
    CHECK(name, !mastering(console), "bus mastering is on after the last buffer went (command %#x)", config(console, COMMAND, 2));
    CHECK(name, azoth_dma_address(dma, &address) == AZOTH_E_BAD_HANDLE, "address of a freed buffer");
    CHECK(name, azoth_dma_region(dma, &region) == AZOTH_E_BAD_HANDLE, "region of a freed buffer");
    ok(name);
}

static void die_holding_a_buffer(void)
{
    const char* name = "trap-holding-a-buffer";
    azoth_handle_t dma = 0, region = 0;
    CHECK(name, azoth_dma_create(console, 4096, &dma) == AZOTH_OK, "a buffer");
    CHECK(name, azoth_dma_region(dma, &region) == AZOTH_OK && azoth_region_map(region, (uint32_t)(uintptr_t)window, 1) == AZOTH_OK, "mapped");
    CHECK(name, mastering(console), "bus mastering is off while a buffer lives");
    CHECK(name, azoth_pci_config_write(console, CACHE_LINE_SIZE, 1, MARKER) == AZOTH_OK && config(console, CACHE_LINE_SIZE, 1) == MARKER,
        "the run marker (cache line size) did not stick");
    printf("pci-dma: trapping with a live buffer (bus mastering on)\n");
    fflush(stdout);
    __builtin_trap();
}

static void after_the_trap(void)
{
    const char* name = "bus-mastering-off-after-trap";
    CHECK(name, !mastering(console), "bus mastering still on after the driver died holding a buffer (command %#x)", config(console, COMMAND, 2));
    CHECK(name, azoth_pci_config_write(console, CACHE_LINE_SIZE, 1, 0) == AZOTH_OK, "clearing the marker");
    ok(name);
}

int main(void)
{
    if (!find(0x1af4, CONSOLE, &console)) {
        printf("pci-dma: FAIL no virtio console\n");
        return 1;
    }
    if (config(console, CACHE_LINE_SIZE, 1) == MARKER) {
        after_the_trap();
    } else {
        refusals();
        lifecycle();
        if (failures == 0)
            die_holding_a_buffer();
    }
    printf("pci-dma: %s (%d failed)\n", failures ? "FAILED" : "all passed", failures);
    fflush(stdout);
    return failures ? 1 : 0;
}
