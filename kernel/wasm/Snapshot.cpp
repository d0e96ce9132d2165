#include <kernel/lib/Bits.h>
#include <kernel/lib/Placement.h>
#include <kernel/wasm/Objects.h>
#include <kernel/wasm/Snapshot.h>

namespace ath::wasm {

namespace {

constexpr u64 granule = DirtyPageLog::page_bytes;
static_assert(Memory::page_size % granule == 0, "a Wasm page is whole tracking pages");
constexpr u32 zero_page = ~u32(0);

struct MemoryState {
    MemoryInstance* memory { nullptr };
    u64 bytes { 0 };
    u32 wasm_pages { 0 };
    u32* slots { nullptr };  // per granule: index into `copies`, or zero_page
    u8* copies { nullptr };  // the non-zero granules, in order
    u64 copy_count { 0 };
    DirtyPageLog log;        // the provider records into it (its address must not change)
    bool tracked { false };
};

struct TableState {
    TableInstance* table { nullptr };
    u64* elements { nullptr };
    u64 size { 0 };
};

struct GlobalState {
    GlobalInstance* global { nullptr };
    u64 low { 0 };
    u64 high { 0 };
};

bool is_zero(const u8* page)
{
    const u64* words = reinterpret_cast<const u64*>(page);
    for (u64 i = 0; i < granule / sizeof(u64); ++i) {
        if (words[i] != 0)
            return false;
    }
    return true;
}

} // namespace

struct InstanceSnapshot::Data {
    Store* store { nullptr };
    InstanceData* instance { nullptr };
    MemoryState* memories { nullptr };
    usize memory_count { 0 };
    TableState* tables { nullptr };
    usize table_count { 0 };
    GlobalState* globals { nullptr };
    usize global_count { 0 };
    u32* element_lengths { nullptr };
    usize element_count { 0 };
    u8* data_dropped { nullptr };
    usize data_count { 0 };
    u64 footprint { 0 };

    template<typename T>
    T* allocate_array(usize count)
    {
        if (count == 0)
            return nullptr;
        auto bytes = checked_mul(count, sizeof(T));
        if (!bytes.has_value())
            return nullptr;
        void* memory = store->allocator().allocate(*bytes, alignof(T) < 16 ? alignof(T) : 16);
        if (memory)
            footprint += *bytes;
        return static_cast<T*>(memory);
    }
    template<typename T>
    void free_array(T* array, usize count)
    {
        if (array)
            store->allocator().deallocate(array, count * sizeof(T), alignof(T) < 16 ? alignof(T) : 16);
    }
    void release()
    {
        for (usize i = 0; i < memory_count; ++i) {
            MemoryState& state = memories[i];
            if (state.tracked) {
                if (LinearMemoryProvider* provider = store->config().memory_provider)
                    provider->untrack_writes(state.memory->base);
            }
            u64 pages = state.bytes / granule;
            free_array(state.slots, pages);
            free_array(state.copies, state.copy_count * granule);
            free_array(state.log.written, (pages + 63) / 64);
            free_array(state.log.pages, pages);
        }
        free_array(memories, memory_count);
        for (usize i = 0; i < table_count; ++i)
            free_array(tables[i].elements, tables[i].size);
        free_array(tables, table_count);
        free_array(globals, global_count);
        free_array(element_lengths, element_count);
        free_array(data_dropped, data_count);
    }

    ErrorOr capture_memory(MemoryState& state, MemoryInstance& memory)
    {
        state.memory = &memory;
        state.bytes = memory.byte_size;
        state.wasm_pages = memory.pages;
        u64 pages = state.bytes / granule;
        if (pages == 0)
            return {};
        state.slots = allocate_array<u32>(pages);
        state.log.written = allocate_array<u64>((pages + 63) / 64);
        state.log.pages = allocate_array<u32>(pages);
        if (!state.slots || !state.log.written || !state.log.pages)
            return Error::from(ErrorCode::OutOfMemory, "no memory for a snapshot");
        __builtin_memset(state.log.written, 0, ((pages + 63) / 64) * sizeof(u64));
        state.log.page_count = pages;
        u64 non_zero = 0;
        for (u64 page = 0; page < pages; ++page)
            non_zero += is_zero(memory.base + page * granule) ? 0 : 1;
        if (non_zero) {
            state.copies = allocate_array<u8>(non_zero * granule);
            if (!state.copies)
                return Error::from(ErrorCode::OutOfMemory, "no memory for a snapshot");
            state.copy_count = non_zero;
        }
        u64 next = 0;
        for (u64 page = 0; page < pages; ++page) {
            const u8* source = memory.base + page * granule;
            if (is_zero(source)) {
                state.slots[page] = zero_page;
                continue;
            }
            __builtin_memcpy(state.copies + next * granule, source, granule);
            state.slots[page] = static_cast<u32>(next++);
        }
        if (LinearMemoryProvider* provider = store->config().memory_provider) {
            auto tracked = provider->track_writes(memory.base, state.log);
            if (!tracked.is_error())
                state.tracked = true;
            else if (tracked.error().code != ErrorCode::Unsupported)
                return tracked.release_error();
        }
        return {};
    }

    static void restore_page(void* context, u64 page)
    {
        auto& state = *static_cast<MemoryState*>(context);
        u8* destination = state.memory->base + page * granule;
        u32 slot = state.slots[page];
        if (slot == zero_page)
            __builtin_memset(destination, 0, granule);
        else
            __builtin_memcpy(destination, state.copies + u64(slot) * granule, granule);
    }

    ErrorOr restore_memory(MemoryState& state, SnapshotRestoreStats& stats) const
    {
        MemoryInstance& memory = *state.memory;
        LinearMemoryProvider* provider = store->config().memory_provider;
        if (memory.byte_size > state.bytes) {
            u64 grown = memory.byte_size - state.bytes;
            if (provider) {
                u64 maximum_bytes = static_cast<u64>(memory.maximum_pages) * Memory::page_size;
                auto shrunk = provider->resize(memory.base, memory.byte_size, state.bytes, maximum_bytes);
                if (shrunk.is_error())
                    return shrunk.release_error();
            }
            // An allocator-backed memory gets a block of the captured size (every page of it is
            // copied back below: such a memory has no tracking).
            else {
                u8* fresh = nullptr;
                if (state.bytes) {
                    fresh = static_cast<u8*>(store->allocator().allocate(static_cast<usize>(state.bytes), 16));
                    if (!fresh)
                        return Error::from(ErrorCode::OutOfMemory, "no memory to shrink the linear memory");
                }
                store->allocator().deallocate(memory.base, static_cast<usize>(memory.byte_size), 16);
                memory.base = fresh;
            }
            if (ResourceLimiter* limiter = store->config().limiter)
                limiter->memory_released(grown);
            memory.byte_size = state.bytes;
            memory.pages = state.wasm_pages;
            stats.pages_released += grown / granule;
        }
        if (state.tracked && provider) {
            stats.pages_restored += provider->restore_written(memory.base, &restore_page, &state);
            return {};
        }
        for (u64 page = 0; page < state.bytes / granule; ++page)
            restore_page(&state, page);
        stats.pages_restored += state.bytes / granule;
        stats.tracked = false;
        return {};
    }
};

Result<InstanceSnapshot*> InstanceSnapshot::capture(Store& store, Instance& instance)
{
    Allocator& allocator = store.allocator();
    void* storage = allocator.allocate(sizeof(Data), alignof(Data));
    if (!storage)
        return Error::from(ErrorCode::OutOfMemory, "no memory for a snapshot");
    Data* data = new (storage) Data;
    data->store = &store;
    data->instance = static_cast<InstanceData*>(&instance);
    data->footprint = sizeof(Data);
    InstanceData& source = *data->instance;
    auto fail = [&](Error error) -> Result<InstanceSnapshot*> {
        data->release();
        data->~Data();
        allocator.deallocate(storage, sizeof(Data), alignof(Data));
        return error;
    };
    auto out_of_memory = [] { return Error::from(ErrorCode::OutOfMemory, "no memory for a snapshot"); };

    // Counts are set only once each array exists, so release() frees exactly what was taken.
    if (usize count = source.memories.size()) {
        data->memories = data->allocate_array<MemoryState>(count);
        if (!data->memories)
            return fail(out_of_memory());
        for (usize i = 0; i < count; ++i)
            new (&data->memories[i]) MemoryState;
        data->memory_count = count;
    }
    if (usize count = source.tables.size()) {
        data->tables = data->allocate_array<TableState>(count);
        if (!data->tables)
            return fail(out_of_memory());
        for (usize i = 0; i < count; ++i)
            new (&data->tables[i]) TableState;
        data->table_count = count;
        for (usize i = 0; i < count; ++i) {
            TableInstance* table = source.tables[i];
            TableState& state = data->tables[i];
            state.table = table;
            state.elements = data->allocate_array<u64>(table->elements.size());
            if (table->elements.size() && !state.elements)
                return fail(out_of_memory());
            state.size = table->elements.size();
            if (state.size)
                __builtin_memcpy(state.elements, table->elements.data(), state.size * sizeof(u64));
        }
    }
    usize mutable_globals = 0;
    for (auto* global : source.globals)
        mutable_globals += global->global_type.is_mutable ? 1 : 0;
    if (mutable_globals) {
        data->globals = data->allocate_array<GlobalState>(mutable_globals);
        if (!data->globals)
            return fail(out_of_memory());
        data->global_count = mutable_globals;
        usize next = 0;
        for (auto* global : source.globals) {
            if (global->global_type.is_mutable)
                data->globals[next++] = GlobalState { global, global->low, global->high };
        }
    }
    if (usize count = source.element_lengths.size()) {
        data->element_lengths = data->allocate_array<u32>(count);
        if (!data->element_lengths)
            return fail(out_of_memory());
        data->element_count = count;
        __builtin_memcpy(data->element_lengths, source.element_lengths.data(), count * sizeof(u32));
    }
    if (usize count = source.data_dropped.size()) {
        data->data_dropped = data->allocate_array<u8>(count);
        if (!data->data_dropped)
            return fail(out_of_memory());
        data->data_count = count;
        __builtin_memcpy(data->data_dropped, source.data_dropped.data(), count);
    }
    // Memories last: tracking starts once nothing else can fail but another memory's capture.
    for (usize i = 0; i < data->memory_count; ++i) {
        if (auto captured = data->capture_memory(data->memories[i], *source.memories[i]); captured.is_error())
            return fail(captured.release_error());
    }
    void* handle = allocator.allocate(sizeof(InstanceSnapshot), alignof(InstanceSnapshot));
    if (!handle)
        return fail(out_of_memory());
    return new (handle) InstanceSnapshot(data);
}

void InstanceSnapshot::destroy(InstanceSnapshot* snapshot)
{
    if (!snapshot)
        return;
    Data* data = snapshot->m_data;
    Allocator& allocator = data->store->allocator();
    data->release();
    data->~Data();
    allocator.deallocate(data, sizeof(Data), alignof(Data));
    allocator.deallocate(snapshot, sizeof(InstanceSnapshot), alignof(InstanceSnapshot));
}

ErrorOr InstanceSnapshot::restore(SnapshotRestoreStats* stats_out)
{
    Data& data = *m_data;
    SnapshotRestoreStats stats;
    stats.tracked = true;
    for (usize i = 0; i < data.memory_count; ++i)
        TRY(data.restore_memory(data.memories[i], stats));
    for (usize i = 0; i < data.table_count; ++i) {
        TableState& state = data.tables[i];
        TableInstance& table = *state.table;
        if (table.elements.size() > state.size) {
            if (table.limiter)
                table.limiter->table_released(table.elements.size() - state.size);
            table.elements.shrink(state.size);
        }
        if (state.size)
            __builtin_memcpy(table.elements.data(), state.elements, state.size * sizeof(u64));
    }
    for (usize i = 0; i < data.global_count; ++i) {
        data.globals[i].global->low = data.globals[i].low;
        data.globals[i].global->high = data.globals[i].high;
    }
    InstanceData& instance = *data.instance;
    if (data.element_count)
        __builtin_memcpy(instance.element_lengths.data(), data.element_lengths, data.element_count * sizeof(u32));
    if (data.data_count)
        __builtin_memcpy(instance.data_dropped.data(), data.data_dropped, data.data_count);
    if (stats_out)
        *stats_out = stats;
    return {};
}

bool InstanceSnapshot::tracks_writes() const
{
    for (usize i = 0; i < m_data->memory_count; ++i) {
        if (!m_data->memories[i].tracked)
            return false;
    }
    return true;
}

u64 InstanceSnapshot::footprint_bytes() const { return m_data->footprint; }

} // namespace ath::wasm
