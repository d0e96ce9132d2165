#pragma once

// The hand-off probe: a stand-in kernel that checks, from the receiving side, every promise of
// boot/BootInfo.h the loader makes, prints one line per check and powers off with status 0 only
// when all of them hold. It lets the loader be tested without the real kernel.
//
// HandoffProbe.cpp holds the checks every arch shares and the output; probe/<arch>/ProbeArch.cpp
// supplies the few things that differ (console byte, power-off, registers, page-table bits,
// firmware tables). Both are freestanding and link into one small ELF (probe.ld).
#include <boot/BootInfo.h>
#include <kernel/arch/common/PageTable.h>

namespace ath::probe {

using namespace ath::boot;

void put(char c);
void put(const char* text);
void put_hex(u64 value);
void put_decimal(u64 value);
void check(const char* name, bool ok);
// The device-tree arches' firmware check: a DTB with a valid magic number.
void check_device_tree(const BootInfo& info);

template<typename T>
T* direct(u64 physical)
{
    return reinterpret_cast<T*>(direct_map_base + physical);
}

// The live page tables, read through the direct map with the generic walker; the probe never
// allocates tables.
struct DirectMapTables {
    Result<u64> allocate_table() { return Error::from(ErrorCode::Unsupported, "the probe only reads tables"); }
    u64* table_at(u64 physical) { return direct<u64>(physical); }
    void publish() { }
};

template<typename Format>
Optional<paging::Leaf> live_leaf(u64 root, u64 virtual_address)
{
    DirectMapTables memory;
    return paging::PageTable<Format, DirectMapTables>(memory, root).lookup(virtual_address);
}

// A live translation as the probe's own walk of the page tables found it.
struct Mapping {
    bool present;
    u64 physical;
    u64 page_size;
    bool writable;
    bool executable;
};

// Per arch (probe/<arch>/ProbeArch.cpp).
namespace arch {

void write_byte(char c);                    // one byte to the console UART
[[noreturn]] void power_off(int status);    // exits QEMU with `status`
u64 counter();                              // the clock the loader's loader_timestamp uses
u64 stack_pointer();
// The CPU state the loader promises: page-table root registers, paging mode, protection bits,
// interrupts masked. Calls check() once per promise.
void check_cpu_state(const BootInfo& info);
// Walks the live page tables (through the direct map).
Mapping mapping_of(u64 virtual_address);
// The firmware's machine description (ACPI RSDP or device tree). Calls check().
void check_firmware_tables(const BootInfo& info);
// Where the direct map's page size is sampled (an address inside RAM on this arch).
u64 direct_map_sample(const BootInfo& info);
// Whether the firmware may offer no framebuffer (then that check is skipped, not failed).
bool framebuffer_optional();

} // namespace arch

} // namespace ath::probe
