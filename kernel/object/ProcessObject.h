#pragma once

// A ProcessObject is a module instance's kernel side: its handle table, its linear memory (for region
// mappings) and its IPC state. The engine instance itself belongs to the embedder; the process
// only sees the memory through LinearMemoryAccess.
#include <kernel/lib/StringView.h>
#include <kernel/object/HandleTable.h>
#include <kernel/object/PageMapper.h>
#include <kernel/object/Region.h>

namespace ath::object {

// The current bytes of a process's linear memory. The base must not move while regions are
// mapped (the hosted provider and the kernel reserve the maximum once).
class LinearMemoryAccess {
public:
    virtual Bytes linear_memory() = 0;

protected:
    ~LinearMemoryAccess() = default;
};

class ProcessObject final : public Object {
public:
    static constexpr ObjectType type_tag = ObjectType::Process;
    static constexpr usize max_name_length = 31;
    static constexpr usize max_mappings = 32;

    static Result<RefPtr<ProcessObject>> create(ObjectAllocator&, CapabilitySpace&, StringView name);

    StringView name() const { return StringView(m_name, m_name_length); }
    HandleTable& handles() { return m_handles; }

    // `write_sink`: told when a store hits one of this process's read-only mappings (the
    // embedder makes the Store trap). Without one, read-only mappings are made without a sink.
    void attach_memory(LinearMemoryAccess* memory, PageMapper* mapper, ReadOnlyWriteSink write_sink = {})
    {
        m_memory = memory;
        m_mapper = mapper;
        m_write_sink = write_sink;
    }

    // Maps the region behind `handle` at byte `offset` of the linear memory, replacing those
    // pages. Needs Map (and Write when `writable`). The offset must be page aligned and the whole
    // region must fit in the current memory without overlapping another mapping. Nothing changes
    // on error.
    ErrorOr map_region(Handle handle, u64 offset, bool writable);
    // Undoes the mapping at `offset`: private zeroed pages come back. NotFound when none.
    ErrorOr unmap_region(u64 offset);
    usize mapping_count();

    // Closes every handle and undoes every mapping (the process is exiting or being reset).
    void terminate();
    // The same while the object lives on: a reset (kernel/process, Process::reset) empties the
    // table before the manifest's handles are granted again.
    void release_handles();
    bool is_terminated() const { return m_terminated; }
    // The process is being killed: calls to it are refused from now on (NotFound, as after
    // terminate()), while its owner may still be unwinding. Booted kill (kernel/process).
    void refuse_calls() { __atomic_store_n(&m_refusing_calls, true, __ATOMIC_RELEASE); }
    // The end of a reset: calls are taken again (never after terminate()).
    void accept_calls() { __atomic_store_n(&m_refusing_calls, false, __ATOMIC_RELEASE); }
    bool refuses_calls() const { return m_terminated || __atomic_load_n(&m_refusing_calls, __ATOMIC_ACQUIRE); }

    // IPC state (kernel/ipc/Call.cpp).
    bool is_in_call() const { return __atomic_load_n(&m_in_call, __ATOMIC_ACQUIRE) != 0; }
    void set_in_call(bool value) { __atomic_store_n(&m_in_call, value ? 1u : 0u, __ATOMIC_RELEASE); }
    // The word behind is_in_call(): 0 free, 1 held, 2 held with threads queued for it (booted:
    // kernel/process/ProcessIpc.cpp keeps the queue; the holder hands the Store over on leaving).
    const u32* in_call_word() const { return &m_in_call; }
    bool has_store_waiters() const { return __atomic_load_n(&m_in_call, __ATOMIC_ACQUIRE) == 2; }
    void set_store_waiters(bool waiting) { __atomic_store_n(&m_in_call, waiting ? 2u : 1u, __ATOMIC_RELEASE); }
    u64 trap_count() const { return m_traps; }
    // A trap of this process's Store: counts it and puts the region pages back under its
    // read-only mappings where a store had made private copies (the trapped store never shows).
    void record_trap();
    void revert_read_only_copies();

    ProcessObject(CapabilitySpace& space, StringView name);
    ~ProcessObject() override { terminate(); }

private:
    struct Mapping : MappingRecord {
        ProcessObject* process { nullptr };
        Region* region { nullptr }; // one reference while in use
        u8* address { nullptr };
        u64 offset { 0 };
        u64 length { 0 };
        bool in_use { false };
        bool writable { false };
    };
    static void unmap_hook(MappingRecord&);

    HandleTable m_handles;
    char m_name[max_name_length + 1] {};
    usize m_name_length { 0 };
    LinearMemoryAccess* m_memory { nullptr };
    PageMapper* m_mapper { nullptr };
    ReadOnlyWriteSink m_write_sink;
    Mapping m_mappings[max_mappings];
    u32 m_in_call { 0 };
    bool m_terminated { false };
    bool m_refusing_calls { false };
    u64 m_traps { 0 };
};

} // namespace ath::object
