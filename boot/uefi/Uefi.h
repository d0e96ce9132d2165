#pragma once

// The part of the UEFI 2.x specification the loader uses, written from the spec's tables.
// Only the members we call are typed; every other table slot is an opaque pointer so the
// layout (which is what matters) stays exact. The loader is compiled for a target whose default
// calling convention is the UEFI one (Microsoft x64 on x86_64, AAPCS on aarch64), so function
// pointers need no calling-convention attribute.
#include <kernel/lib/Types.h>

namespace ath::uefi {

using Status = usize;
using Handle = void*;
using Event = void*;
using PhysicalAddress = u64;
using Char16 = char16_t;

inline constexpr Status error_bit = static_cast<Status>(1) << (sizeof(Status) * 8 - 1);
inline constexpr Status success = 0;
inline constexpr Status load_error = error_bit | 1;
inline constexpr Status invalid_parameter = error_bit | 2;
inline constexpr Status unsupported = error_bit | 3;
inline constexpr Status buffer_too_small = error_bit | 5;
inline constexpr Status device_error = error_bit | 7;
inline constexpr Status out_of_resources = error_bit | 9;
inline constexpr Status not_found = error_bit | 14;

constexpr bool is_error(Status status) { return (status & error_bit) != 0; }

struct Guid {
    u32 data1;
    u16 data2;
    u16 data3;
    u8 data4[8];

    bool operator==(const Guid&) const = default;
};

struct TableHeader {
    u64 signature;
    u32 revision;
    u32 header_size;
    u32 crc32;
    u32 reserved;
};

enum class MemoryType : u32 {
    Reserved = 0,
    LoaderCode = 1,
    LoaderData = 2,
    BootServicesCode = 3,
    BootServicesData = 4,
    RuntimeServicesCode = 5,
    RuntimeServicesData = 6,
    Conventional = 7,
    Unusable = 8,
    AcpiReclaim = 9,
    AcpiNvs = 10,
    MemoryMappedIo = 11,
    MemoryMappedIoPortSpace = 12,
    PalCode = 13,
    Persistent = 14,
    Unaccepted = 15,
    // 0x80000000..0xFFFFFFFF belong to the OS loader. Everything the kernel keeps (image, initrd,
    // BootInfo, page tables, stack) is allocated with this type so the memory map tells it apart
    // from the loader's own scratch memory, which the kernel may reuse.
    AzothKernelData = 0x80000001,
};

enum class AllocateType : u32 {
    AnyPages = 0,
    MaxAddress = 1,
    Address = 2,
};

struct MemoryDescriptor {
    u32 type;
    u32 padding;
    PhysicalAddress physical_start;
    u64 virtual_start;
    u64 number_of_pages;
    u64 attribute;
};

inline constexpr u64 uefi_page_size = 4096;

struct SimpleTextOutputProtocol {
    Status (*reset)(SimpleTextOutputProtocol*, bool extended_verification);
    Status (*output_string)(SimpleTextOutputProtocol*, const Char16* text);
    void* test_string;
    void* query_mode;
    void* set_mode;
    void* set_attribute;
    void* clear_screen;
    void* set_cursor_position;
    void* enable_cursor;
    void* mode;
};

struct BootServices {
    TableHeader header;
    void* raise_tpl;
    void* restore_tpl;
    Status (*allocate_pages)(AllocateType, MemoryType, usize pages, PhysicalAddress* memory);
    Status (*free_pages)(PhysicalAddress memory, usize pages);
    Status (*get_memory_map)(usize* map_size, MemoryDescriptor* map, usize* map_key, usize* descriptor_size,
                             u32* descriptor_version);
    Status (*allocate_pool)(MemoryType, usize size, void** buffer);
    Status (*free_pool)(void* buffer);
    void* create_event;
    void* set_timer;
    void* wait_for_event;
    void* signal_event;
    void* close_event;
    void* check_event;
    void* install_protocol_interface;
    void* reinstall_protocol_interface;
    void* uninstall_protocol_interface;
    Status (*handle_protocol)(Handle, const Guid* protocol, void** interface);
    void* reserved;
    void* register_protocol_notify;
    void* locate_handle;
    void* locate_device_path;
    void* install_configuration_table;
    void* load_image;
    void* start_image;
    void* exit;
    void* unload_image;
    Status (*exit_boot_services)(Handle image, usize map_key);
    void* get_next_monotonic_count;
    Status (*stall)(usize microseconds);
    Status (*set_watchdog_timer)(usize timeout_seconds, u64 code, usize data_size, Char16* data);
    void* connect_controller;
    void* disconnect_controller;
    void* open_protocol;
    void* close_protocol;
    void* open_protocol_information;
    void* protocols_per_handle;
    void* locate_handle_buffer;
    Status (*locate_protocol)(const Guid* protocol, void* registration, void** interface);
    void* install_multiple_protocol_interfaces;
    void* uninstall_multiple_protocol_interfaces;
    void* calculate_crc32;
    void* copy_mem;
    void* set_mem;
    void* create_event_ex;
};

enum class ResetType : u32 {
    Cold = 0,
    Warm = 1,
    Shutdown = 2,
};

struct RuntimeServices {
    TableHeader header;
    void* get_time;
    void* set_time;
    void* get_wakeup_time;
    void* set_wakeup_time;
    void* set_virtual_address_map;
    void* convert_pointer;
    void* get_variable;
    void* get_next_variable_name;
    void* set_variable;
    void* get_next_high_monotonic_count;
    void (*reset_system)(ResetType, Status, usize data_size, void* data);
};

struct ConfigurationTable {
    Guid vendor_guid;
    void* vendor_table;
};

struct SystemTable {
    TableHeader header;
    const Char16* firmware_vendor;
    u32 firmware_revision;
    Handle console_in_handle;
    void* con_in;
    Handle console_out_handle;
    SimpleTextOutputProtocol* con_out;
    Handle standard_error_handle;
    SimpleTextOutputProtocol* std_err;
    RuntimeServices* runtime_services;
    BootServices* boot_services;
    usize number_of_table_entries;
    ConfigurationTable* configuration_table;
};

struct LoadedImageProtocol {
    u32 revision;
    Handle parent_handle;
    SystemTable* system_table;
    Handle device_handle;
    void* file_path;
    void* reserved;
    u32 load_options_size;
    void* load_options;
    void* image_base;
    u64 image_size;
    MemoryType image_code_type;
    MemoryType image_data_type;
    void* unload;
};

inline constexpr u64 file_mode_read = 1;

struct FileProtocol {
    u64 revision;
    Status (*open)(FileProtocol*, FileProtocol** new_handle, const Char16* file_name, u64 open_mode, u64 attributes);
    Status (*close)(FileProtocol*);
    void* remove;
    Status (*read)(FileProtocol*, usize* buffer_size, void* buffer);
    void* write;
    void* get_position;
    void* set_position;
    Status (*get_info)(FileProtocol*, const Guid* information_type, usize* buffer_size, void* buffer);
    void* set_info;
    void* flush;
};

struct Time {
    u16 year;
    u8 month, day, hour, minute, second, pad1;
    u32 nanosecond;
    i16 time_zone;
    u8 daylight, pad2;
};

struct FileInfo {
    u64 size;
    u64 file_size;
    u64 physical_size;
    Time create_time;
    Time last_access_time;
    Time modification_time;
    u64 attribute;
    Char16 file_name[1]; // variable length, NUL-terminated
};

inline constexpr u64 file_attribute_directory = 0x10;

struct SimpleFileSystemProtocol {
    u64 revision;
    Status (*open_volume)(SimpleFileSystemProtocol*, FileProtocol** root);
};

enum class GraphicsPixelFormat : u32 {
    RedGreenBlueReserved8Bit = 0,
    BlueGreenRedReserved8Bit = 1,
    BitMask = 2,
    BltOnly = 3,
};

struct PixelBitmask {
    u32 red, green, blue, reserved;
};

struct GraphicsOutputModeInformation {
    u32 version;
    u32 horizontal_resolution;
    u32 vertical_resolution;
    GraphicsPixelFormat pixel_format;
    PixelBitmask pixel_information;
    u32 pixels_per_scan_line;
};

struct GraphicsOutputMode {
    u32 max_mode;
    u32 mode;
    GraphicsOutputModeInformation* info;
    usize size_of_info;
    PhysicalAddress frame_buffer_base;
    usize frame_buffer_size;
};

struct GraphicsOutputProtocol {
    Status (*query_mode)(GraphicsOutputProtocol*, u32 mode_number, usize* size_of_info,
                         GraphicsOutputModeInformation** info);
    Status (*set_mode)(GraphicsOutputProtocol*, u32 mode_number);
    void* blt;
    GraphicsOutputMode* mode;
};

namespace guids {
inline constexpr Guid loaded_image { 0x5B1B31A1, 0x9562, 0x11D2, { 0x8E, 0x3F, 0x00, 0xA0, 0xC9, 0x69, 0x72, 0x3B } };
inline constexpr Guid simple_file_system { 0x964E5B22, 0x6459, 0x11D2,
                                           { 0x8E, 0x39, 0x00, 0xA0, 0xC9, 0x69, 0x72, 0x3B } };
inline constexpr Guid file_info { 0x09576E92, 0x6D3F, 0x11D2, { 0x8E, 0x39, 0x00, 0xA0, 0xC9, 0x69, 0x72, 0x3B } };
inline constexpr Guid graphics_output { 0x9042A9DE, 0x23DC, 0x4A38,
                                        { 0x96, 0xFB, 0x7A, 0xDE, 0xD0, 0x80, 0x51, 0x6A } };
inline constexpr Guid acpi_20_table { 0x8868E871, 0xE4F1, 0x11D3, { 0xBC, 0x22, 0x00, 0x80, 0xC7, 0x3C, 0x88, 0x81 } };
inline constexpr Guid acpi_10_table { 0xEB9D2D30, 0x2D88, 0x11D3, { 0x9A, 0x16, 0x00, 0x90, 0x27, 0x3F, 0xC1, 0x4D } };
inline constexpr Guid device_tree { 0xB1B621D5, 0xF19C, 0x41A5, { 0x83, 0x0B, 0xD9, 0x15, 0x2C, 0x69, 0xAA, 0xE0 } };
} // namespace guids

} // namespace ath::uefi
