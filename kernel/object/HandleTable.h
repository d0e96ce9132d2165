#pragma once

// Per-process handle tables and the revocation tree that links handles across tables.
//
// A handle is a 31-bit number: (generation << index_bits) | slot index. Lookup is one array index
// plus a generation compare (O(1), no allocation). A slot's generation changes every time it is
// freed, so a stale number stops working. A new handle takes the free slot that was freed longest
// ago, so a number just closed is handed out again only after every other free slot was used, and
// churn ages all free slots alike. A generation wraps to 1 after 2^21 - 1 rather than retiring the
// slot: a peer that makes a table take and drop handles (transfers, calls with a handle, revokes)
// cannot use up its slots for good (hardening issue, class 6). A number can come back only after
// every free slot of the table went round 2^21 generations, and a handle number only ever names
// something in the same table. Handle 0 is never valid (generations start at 1).
//
// Every handle remembers the handle it was derived or copied from. Revoking a handle invalidates
// it and its whole subtree in every table at once, and runs the unmap hook of every mapping made
// through any of those handles. Closing a handle only drops it: its children move up to its parent,
// so whoever could revoke them before still can.
//
// Locking: one CapabilitySpace lock guards every table of the space and the tree. Unmap hooks run
// under it and must not take it; references dropped under it are released after it.
#include <kernel/lib/Result.h>
#include <kernel/lib/SpinLock.h>
#include <kernel/object/Object.h>
#include <kernel/object/Rights.h>
#include <kernel/object/Waiting.h>

namespace ath::object {

using Handle = u32;
inline constexpr Handle invalid_handle = 0;

class HandleTable;
struct HandleEntry;

// Something mapped through a handle (a region in some linear memory). Revoking the handle calls
// `unmap`, which must undo the mapping and free the record; the table unlinks it first.
struct MappingRecord {
    void (*unmap)(MappingRecord&) { nullptr };
    HandleEntry* through { nullptr };
    MappingRecord* next { nullptr };
    MappingRecord* previous { nullptr };
};

struct HandleEntry {
    Object* object { nullptr }; // one reference while live
    Rights rights { Rights::None };
    u32 generation { 1 };
    bool live { false };
    u64 freed_stamp { 0 }; // the table's free count when this slot was last freed (0: never used)
    HandleTable* table { nullptr };
    u32 index { 0 };
    HandleEntry* parent { nullptr };
    HandleEntry* first_child { nullptr };
    HandleEntry* next_sibling { nullptr };
    HandleEntry* previous_sibling { nullptr };
    MappingRecord* mappings { nullptr };
    Object* pending_release { nullptr }; // see CapabilitySpace
    HandleEntry* next_pending { nullptr };
};

// The set of tables that handles can move between, and the lock over them. References that
// handles drop while the lock is held are released after it is let go: an object's destructor
// (a ProcessObject closing its own table) may need the lock again. A slot waiting for that release is
// not reused.
class CapabilitySpace {
public:
    void defer_release(HandleEntry& entry, Object& object)
    {
        entry.pending_release = &object;
        entry.next_pending = m_pending;
        m_pending = &entry;
    }

private:
    friend class SpaceGuard;
    SpinLock m_lock;
    HandleEntry* m_pending { nullptr };
};

class SpaceGuard {
public:
    explicit SpaceGuard(CapabilitySpace& space) : m_space(space) { m_space.m_lock.lock(); }
    ~SpaceGuard()
    {
        while (true) {
            Object* batch[32];
            usize count = 0;
            while (m_space.m_pending && count < array_size(batch)) {
                HandleEntry* entry = m_space.m_pending;
                m_space.m_pending = exchange(entry->next_pending, nullptr);
                batch[count++] = exchange(entry->pending_release, nullptr);
            }
            bool more = m_space.m_pending != nullptr;
            m_space.m_lock.unlock();
            for (usize i = 0; i < count; ++i)
                batch[i]->unref();
            if (!more)
                return;
            m_space.m_lock.lock();
        }
    }
    SpaceGuard(const SpaceGuard&) = delete;
    SpaceGuard& operator=(const SpaceGuard&) = delete;

private:
    CapabilitySpace& m_space;
};

// The condition of a wait made through a handle (WaitCondition, Waiting.h): the wait ends when the
// handle no longer names the object with the rights the wait needed (revoked, closed, moved out).
struct HeldHandle {
    HandleTable* table;
    Handle handle;
    const Object* object;
    Rights needed;
    WaitCondition condition() const { return { &holds, this }; }
    static bool holds(const void* self);
};

enum class TransferMode : u8 {
    Move, // the handle leaves the source table (its place in the revocation tree is kept)
    Copy, // the target gets a new handle derived from the source (revoking the source revokes it)
};

// What a lookup returns: a reference to the object and the handle's rights.
template<typename T>
struct HandleView {
    RefPtr<T> object;
    Rights rights;
};

class HandleTable {
public:
    static constexpr u32 index_bits = 10;
    static constexpr u32 capacity = 256;
    static constexpr u32 max_generation = (1u << (31 - index_bits)) - 1;
    static_assert(capacity <= (1u << index_bits));

    explicit HandleTable(CapabilitySpace& space) : m_space(space)
    {
        for (u32 i = 0; i < capacity; ++i) {
            m_entries[i].table = this;
            m_entries[i].index = i;
        }
    }
    ~HandleTable() { close_all(); }
    HandleTable(const HandleTable&) = delete;
    HandleTable& operator=(const HandleTable&) = delete;

    CapabilitySpace& space() { return m_space; }

    // Changes, to a value no table has had before, whenever a handle of this table stops being
    // what it was (freed, moved out, rights narrowed). A lookup cached with the epoch of its time
    // is still exact while the epoch is unchanged (ipc::CallStack's fast path).
    u64 epoch() const { return __atomic_load_n(&m_epoch, __ATOMIC_ACQUIRE); }

    // A new root handle (no parent) to `object`. Exhausted when the table is full.
    Result<Handle> install(Object& object, Rights rights);

    // The object behind `handle` if it is live, of type T and carries `needed`. Errors:
    // BadHandle (forged, stale, closed, or another kind of object), PermissionDenied (rights).
    template<typename T>
    Result<HandleView<T>> lookup(Handle handle, Rights needed)
    {
        SpaceGuard guard(m_space);
        auto* entry = TRY(find_live(handle));
        T* object = downcast<T>(entry->object);
        if (!object)
            return Error::from(ErrorCode::BadHandle, "handle names another kind of object");
        if (!has_all(entry->rights, needed))
            return Error::from(ErrorCode::PermissionDenied, "handle lacks the right this operation needs");
        return HandleView<T> { RefPtr<T>(object), entry->rights };
    }

    Result<Rights> rights_of(Handle handle);
    // Whether `handle` is live, names `object` and carries `needed` (a wait's re-check).
    bool still_names(Handle handle, const Object& object, Rights needed);
    Result<ObjectType> type_of(Handle handle);

    // A handle to the same object with `rights` (a subset of the source's). Needs Derive.
    Result<Handle> derive(Handle handle, Rights rights);
    // Kernel use: a handle to `object` (another object that belongs to the one behind `parent`,
    // such as a channel's ring region) placed under `parent` in the revocation tree.
    Result<Handle> install_under(Handle parent, Object& object, Rights rights);
    // Gives `target` a handle with the source's rights narrowed by `mask`. Needs Transfer.
    Result<Handle> transfer(Handle handle, HandleTable& target, Rights mask, TransferMode mode);
    // Invalidates the handle and every handle derived or copied from it, in every table, and
    // unmaps what they mapped. Needs Revoke. Returns how many handles were invalidated.
    Result<u32> revoke(Handle handle);
    // Drops the handle (children move to its parent). Any live handle may be closed.
    ErrorOr close(Handle handle);
    void close_all();

    u32 live_count() const;
    // At most `limit` live handles from now on (the process's max-handles; capacity and above: no
    // limit but the capacity). Handles already live stay; new ones are refused with Exhausted.
    void set_limit(u64 limit) { m_limit = limit < capacity ? static_cast<u32>(limit) : capacity; }
    u32 limit() const { return m_limit; }

    // For mapping code: attach a record to the live handle (under the space lock).
    ErrorOr attach_mapping(Handle handle, MappingRecord& record);
    // Detaches the record from whatever handle it hangs on and runs its unmap hook, unless a
    // revocation already did (then nothing happens). Returns whether this call unmapped it.
    bool unmap_mapping(MappingRecord& record);
    // The same with the space lock already held by the caller (a SpaceGuard on space()).
    bool unmap_mapping_locked(MappingRecord& record);

    static Handle encode(u32 index, u32 generation) { return (generation << index_bits) | index; }

private:
    Result<HandleEntry*> find_live(Handle handle);
    Result<HandleEntry*> allocate_slot();
    void free_slot(HandleEntry& entry);
    void close_locked(HandleEntry& entry);
    static void link_child(HandleEntry& parent, HandleEntry& child);
    // Makes the free slot `entry` a new reference to `object` with `rights`, a child of `parent`
    // (null: a root); its handle.
    static Handle fill_entry(HandleEntry& entry, Object& object, Rights rights, HandleEntry* parent);
    static void unlink_from_parent(HandleEntry& entry);
    static void release_mappings(HandleEntry& entry);
    static void move_entry(HandleEntry& from, HandleEntry& to);
    // A freed slot's next number (generation + 1, wrapping to 1) and its place in the reuse order.
    static void retire_number(HandleEntry& entry);
    static u64 next_epoch();
    void touch() { __atomic_store_n(&m_epoch, next_epoch(), __ATOMIC_RELEASE); }

    CapabilitySpace& m_space;
    u64 m_epoch { next_epoch() };
    u32 m_limit { capacity };
    u64 m_frees { 0 }; // slots freed so far (the reuse order's clock)
    HandleEntry m_entries[capacity];
};

} // namespace ath::object
