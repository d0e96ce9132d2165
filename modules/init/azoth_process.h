/* The `azoth_process` imports (kernel/process/ProcessImports.h) for C modules. */
#ifndef AZOTH_PROCESS_H
#define AZOTH_PROCESS_H
#include <stdint.h>

#define AZOTH_PROCESS_IMPORT(name) __attribute__((import_module("azoth_process"), import_name(#name)))

enum { AZP_OK = 0, AZP_E_PERMISSION_DENIED = 2, AZP_E_INVALID_ARGUMENT = 3, AZP_E_FAULT = 4, AZP_E_TIMED_OUT = 8,
    AZP_E_NOT_FOUND = 10 };
enum { AZP_RESTART_NEVER = 0, AZP_RESTART_ON_FAILURE = 1, AZP_RESTART_ALWAYS = 2 };
enum { AZP_EXITED = 1, AZP_TRAPPED = 2, AZP_KILLED = 3, AZP_FAILED = 4 };

typedef struct { uint32_t name_length, restart, max_restarts, is_self; } azp_module_info_t;
typedef struct { uint32_t child, module_index, kind, exit_code; } azp_child_exit_t;
typedef struct { uint64_t free_frames, linear_memory_frames, page_table_frames, kernel_heap_frames; } azp_memory_stats_t;

AZOTH_PROCESS_IMPORT(module_count) int32_t azp_module_count(void);
AZOTH_PROCESS_IMPORT(module_info) int32_t azp_module_info(uint32_t index, char* name, uint32_t capacity, azp_module_info_t* info);
AZOTH_PROCESS_IMPORT(spawn) int32_t azp_spawn(uint32_t index, uint32_t* child_out);
AZOTH_PROCESS_IMPORT(wait) int32_t azp_wait(uint64_t timeout_ns, azp_child_exit_t* event);
AZOTH_PROCESS_IMPORT(kill) int32_t azp_kill(uint32_t child);
AZOTH_PROCESS_IMPORT(memory_stats) int32_t azp_memory_stats(azp_memory_stats_t* stats);

/* azoth_device: the console UART, for the one driver holding the `serial-port` capability. */
#define AZOTH_DEVICE_IMPORT(name) __attribute__((import_module("azoth_device"), import_name(#name)))
enum { AZD_E_BUSY = 7 };
AZOTH_DEVICE_IMPORT(console_attach) int32_t azd_console_attach(void);
AZOTH_DEVICE_IMPORT(console_read) int32_t azd_console_read(void* buffer, uint32_t capacity, uint64_t timeout_ns, uint32_t* length_out);
AZOTH_DEVICE_IMPORT(uart_read) int32_t azd_uart_read(uint32_t reg, uint8_t* value_out);
AZOTH_DEVICE_IMPORT(uart_write) int32_t azd_uart_write(uint32_t reg, uint32_t value);
/* The console UART's register model (AZD_UART_*): the same driver .wasm serves every arch. */
enum { AZD_UART_NONE = 0, AZD_UART_NS16550 = 1, AZD_UART_PL011 = 2 };
AZOTH_DEVICE_IMPORT(uart_kind) int32_t azd_uart_kind(uint32_t* kind_out);

#endif
