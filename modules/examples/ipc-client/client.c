// ipc-client: calls a server endpoint (a handle its manifest grants) and shares a region with it.
// The embedder passes handle numbers as arguments. Built for wasm32-wasi without libc.
#include <azoth.h>

static _Alignas(65536) volatile unsigned char window[65536];

__attribute__((export_name("window_offset"))) uint32_t window_offset(void) { return (uint32_t)(uintptr_t)window; }

// One call with four words -> r0, or -status.
__attribute__((export_name("call4"))) int64_t call4(uint32_t endpoint, int64_t w0, int64_t w1, int64_t w2, int64_t w3)
{
    uint64_t reply[4];
    azoth_status_t status = azoth_call(endpoint, (uint64_t)w0, (uint64_t)w1, (uint64_t)w2, (uint64_t)w3, reply);
    return status == AZOTH_OK ? (int64_t)reply[0] : -(int64_t)status;
}

// `count` round trips with an empty message (results discarded) -> status of the last failure or 0.
__attribute__((export_name("ping_loop"))) int32_t ping_loop(uint32_t endpoint, uint32_t count)
{
    for (uint32_t i = 0; i < count; ++i) {
        azoth_status_t status = azoth_call(endpoint, 0, 0, 0, 0, AZOTH_NO_RESULTS);
        if (status != AZOTH_OK)
            return status;
    }
    return 0;
}

// `count` round trips with four words each way -> sum of the replies (so none can be skipped).
__attribute__((export_name("sum_loop"))) int64_t sum_loop(uint32_t endpoint, uint32_t count)
{
    uint64_t total = 0, reply[4];
    for (uint32_t i = 0; i < count; ++i) {
        if (azoth_call(endpoint, 1, i, 2, 3, reply) != AZOTH_OK)
            return -1;
        total += reply[0];
    }
    return (int64_t)total;
}

__attribute__((export_name("map"))) int32_t map(uint32_t region, uint32_t writable) { return azoth_region_map(region, window_offset(), writable); }
__attribute__((export_name("unmap"))) int32_t unmap(void) { return azoth_region_unmap(window_offset()); }
__attribute__((export_name("peek"))) uint32_t peek(uint32_t index) { return window[index % sizeof window]; }
__attribute__((export_name("poke"))) void poke(uint32_t index, uint32_t value) { window[index % sizeof window] = (unsigned char)value; }
// A store, then a trap of another kind before any safepoint (read-only mapping tests).
__attribute__((export_name("poke_then_trap"))) void poke_then_trap(uint32_t index, uint32_t value)
{
    window[index % sizeof window] = (unsigned char)value;
    __builtin_trap();
}

// Handle operations, each -> status (outputs through a static cell read by `last_output`).
static uint32_t output;
__attribute__((export_name("last_output"))) uint32_t last_output(void) { return output; }
__attribute__((export_name("derive"))) int32_t derive(uint32_t handle, uint32_t rights) { return azoth_handle_derive(handle, rights, &output); }
__attribute__((export_name("revoke"))) int32_t revoke(uint32_t handle) { return azoth_handle_revoke(handle, &output); }
__attribute__((export_name("rights"))) int32_t rights(uint32_t handle) { return azoth_handle_rights(handle, &output); }
__attribute__((export_name("close"))) int32_t close_handle(uint32_t handle) { return azoth_handle_close(handle); }
__attribute__((export_name("transfer"))) int32_t transfer(uint32_t handle, uint32_t process, uint32_t mask, uint32_t mode)
{
    return azoth_handle_transfer(handle, process, mask, mode, &output);
}
// A hostile pointer: the kernel must answer E_FAULT and write nothing.
__attribute__((export_name("rights_at"))) int32_t rights_at(uint32_t handle, uint32_t address) { return azoth_handle_rights(handle, (uint32_t*)(uintptr_t)address); }
__attribute__((export_name("call_results_at"))) int32_t call_results_at(uint32_t endpoint, uint32_t address)
{
    return azoth_call(endpoint, 2, 1, 0, 0, (uint64_t*)(uintptr_t)address);
}

// Events and channels.
__attribute__((export_name("event_wait"))) int32_t event_wait(uint32_t event, uint32_t mask, uint64_t timeout_ns) { return azoth_event_wait(event, mask, timeout_ns, &output); }
__attribute__((export_name("event_signal"))) int32_t event_signal(uint32_t event, uint32_t bits) { return azoth_event_signal(event, bits); }
static unsigned char message[256];
__attribute__((export_name("channel_send_byte"))) int32_t channel_send_byte(uint32_t channel, uint32_t value, uint64_t timeout_ns)
{
    message[0] = (unsigned char)value;
    return azoth_channel_send(channel, message, 1, timeout_ns);
}
__attribute__((export_name("channel_receive_byte"))) int32_t channel_receive_byte(uint32_t channel, uint64_t timeout_ns)
{
    uint32_t length = 0;
    azoth_status_t status = azoth_channel_receive(channel, message, sizeof message, timeout_ns, &length);
    if (status != AZOTH_OK)
        return -status;
    return length == 1 ? message[0] : -100;
}

// The channel's ring mapped into this module and driven without system calls (sdk azoth_ring.h).
#include <azoth_ring.h>
static azoth_ring_t ring;
__attribute__((export_name("ring_attach"))) int32_t ring_attach(uint32_t channel)
{
    azoth_handle_t region;
    azoth_status_t status = azoth_channel_region(channel, &region);
    if (status != AZOTH_OK)
        return -status;
    status = azoth_region_map(region, window_offset(), 1);
    if (status != AZOTH_OK)
        return -status;
    return azoth_ring_attach(&ring, (void*)window, sizeof window) == 0 ? 0 : -100;
}
__attribute__((export_name("ring_send_byte"))) int32_t ring_send_byte(uint32_t value)
{
    unsigned char byte = (unsigned char)value;
    return azoth_ring_try_send(&ring, &byte, 1);
}
