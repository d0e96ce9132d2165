#pragma once

// The hand-off from a loader to the kernel, defined once and shared by both: the UEFI loader
// (boot/uefi) on every arch, and on x86_64 also the multiboot2 entry (GRUB on legacy BIOS,
// kernel/arch/x86_64/multiboot2), which builds the same BootInfo and address space with the same code.
//
// Address-space contract (the same on every arch):
//  - The kernel ELF is linked at kernel_virtual_base (higher half, -2 GiB) and the loader maps
//    its PT_LOAD segments there with the permissions the segments ask for.
//  - All physical memory the memory map describes (and the framebuffer and firmware tables) is
//    mapped read/write at direct_map_base + physical, so the kernel reaches any physical address
//    through `phys_to_virt`. Every address field below is PHYSICAL unless its name says virtual.
//  - The loader's own identity mapping stays valid until the kernel installs its own tables.
//  - Entry: kernel_entry(BootInfo* info) with `info` as a direct-map virtual address, interrupts
//    masked, on a loader-allocated 64 KiB stack (mapped in the direct map), boot services exited.
#include <kernel/lib/Types.h>

namespace ath::boot {

inline constexpr u64 boot_info_magic = 0x4F4F42485430415AULL; // "AZ0THBOO" little-endian
inline constexpr u32 boot_info_version = 1;

inline constexpr u64 kernel_virtual_base = 0xFFFFFFFF80000000ULL;
// The kernel's half of the address space starts with the direct map (kernel/mm/MemoryLayout.h
// places the other windows after it). A port that runs as a Linux process (kernel/arch/usermode)
// cannot use the upper half and moves the whole layout into the user half by defining
// ATH_KERNEL_HALF_BASE; its own loader (kernel/arch/usermode/Boot.cpp) keeps this contract there.
#ifdef ATH_KERNEL_HALF_BASE
inline constexpr u64 kernel_half_base = ATH_KERNEL_HALF_BASE;
#else
inline constexpr u64 kernel_half_base = 0xFFFF800000000000ULL;
#endif
inline constexpr u64 direct_map_base = kernel_half_base;
inline constexpr u64 direct_map_max_size = 0x0000400000000000ULL; // 64 TiB window

enum class MemoryKind : u32 {
    Usable = 1,             // free for the kernel
    BootServicesReclaim = 2, // UEFI boot-services code/data: free once the kernel stops reading loader data
    LoaderData = 3,         // kernel image, initrd, BootInfo, memory map, loader page tables, boot stack
    AcpiReclaim = 4,
    AcpiNvs = 5,
    Mmio = 6,
    Reserved = 7,
    RuntimeServices = 8,
};

struct MemoryRange {
    u64 base;
    u64 size;
    MemoryKind kind;
    u32 reserved;
};
static_assert(sizeof(MemoryRange) == 24);

enum class PixelFormat : u32 {
    None = 0, // no framebuffer
    Bgrx8888 = 1,
    Rgbx8888 = 2,
};

struct Framebuffer {
    u64 base;       // physical
    u64 size;       // bytes
    u32 width;      // pixels
    u32 height;     // pixels
    u32 stride;     // pixels per scan line (>= width)
    PixelFormat format;
};

enum class Firmware : u32 {
    Uefi = 1,
    Multiboot2 = 2, // legacy BIOS, started by GRUB through multiboot2
    LinuxProcess = 3, // the usermode port's own loader (kernel/arch/usermode/Boot.cpp)
};

struct BootInfo {
    u64 magic;          // boot_info_magic
    u32 version;        // boot_info_version
    u32 size;           // sizeof(BootInfo) as the loader knew it

    u64 memory_map;     // physical address of MemoryRange[memory_map_count], sorted by base, non-overlapping
    u64 memory_map_count;

    u64 kernel_physical_base; // where the kernel image's lowest segment sits
    u64 kernel_size;          // bytes from kernel_physical_base covering all segments

    u64 initrd;         // physical address of the tar initrd (0 when absent)
    u64 initrd_size;

    u64 cmdline;        // physical address of the kernel command line (not NUL-terminated)
    u64 cmdline_size;

    u64 acpi_rsdp;      // physical address of the ACPI RSDP (0 when absent)
    u64 device_tree;    // physical address of the flattened device tree (0 when absent)

    Framebuffer framebuffer;

    u64 page_table_root; // physical address of the loader's top-level page table
    u64 loader_timestamp; // arch cycle counter read by the loader at its entry (0 if unknown)
    Firmware firmware;
    u32 reserved0;
};

// A kernel refuses a BootInfo whose magic or version it does not know.
constexpr bool is_compatible(const BootInfo& info)
{
    return info.magic == boot_info_magic && info.version == boot_info_version && info.size >= sizeof(BootInfo);
}

} // namespace ath::boot
