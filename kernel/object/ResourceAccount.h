#pragma once

// Per-process resource accounting: one counter and one limit per kind of resource a module can
// make the kernel spend on it. Every place that spends one charges the account of the process it
// spends it for, and gives it back when the resource goes; a charge over the limit fails
// (OutOfMemory for the byte kinds, Exhausted for the counted kinds) and changes nothing. The
// limits come from the module's manifest (kernel/object/Manifest.h, keys below), the rest from
// ResourceLimits::defaults(). See docs/security.md ("Resource limits").
//
//   kind               manifest key              unit      charged by
//   MemoryBytes        max-memory-mb             MiB       linear-memory growth, Region pages
//   KernelHeapBytes    max-kernel-heap-mb        MiB       kernel heap the engine takes for the Store
//   TableElements      max-table-elements        elements  table creation and table.grow (all tables)
//   Handles            max-handles               handles   live handles in the process's table
//   Regions            max-regions               regions   live Regions it created (channel rings too)
//   Channels           max-channels              channels  live Channels it created
//   ReadOnlyMappings   max-read-only-mappings    mappings  read-only Region mappings in its memory
//   Timers             max-timers                timers    live Timers it created
//
// An account is reference counted: objects charged to it (a Region handed to another process)
// keep it alive after its process has gone, and give their charge back when they go.
#include <kernel/lib/Assert.h>
#include <kernel/lib/Result.h>
#include <kernel/lib/StringView.h>
#include <kernel/lib/Types.h>

namespace ath::object {

enum class Resource : u8 {
    MemoryBytes,
    KernelHeapBytes,
    TableElements,
    Handles,
    Regions,
    Channels,
    ReadOnlyMappings,
    Timers,
};
inline constexpr usize resource_kind_count = 8;

struct ResourceKindInfo {
    StringView name;         // for messages
    StringView manifest_key; // the manifest line that sets the limit
    u64 manifest_unit;       // one manifest unit in the counter's unit (1 MiB for the byte kinds)
    u64 manifest_maximum;    // the largest value the manifest may name
};

inline constexpr ResourceKindInfo resource_kinds[resource_kind_count] = {
    { "memory", "max-memory-mb", 1ull << 20, 1ull << 20 },
    { "kernel heap", "max-kernel-heap-mb", 1ull << 20, 1ull << 20 },
    { "table elements", "max-table-elements", 1, 1ull << 32 },
    { "handles", "max-handles", 1, 1ull << 20 },
    { "regions", "max-regions", 1, 1ull << 20 },
    { "channels", "max-channels", 1, 1ull << 20 },
    { "read-only mappings", "max-read-only-mappings", 1, 1ull << 20 },
    { "timers", "max-timers", 1, 1ull << 20 },
};

constexpr const ResourceKindInfo& resource_info(Resource kind) { return resource_kinds[static_cast<usize>(kind)]; }
constexpr bool is_byte_resource(Resource kind) { return kind == Resource::MemoryBytes || kind == Resource::KernelHeapBytes; }

struct ResourceLimits {
    static constexpr u64 unlimited = ~0ull;

    u64 limits[resource_kind_count] { unlimited, unlimited, unlimited, unlimited, unlimited, unlimited, unlimited, unlimited };

    u64& operator[](Resource kind) { return limits[static_cast<usize>(kind)]; }
    u64 operator[](Resource kind) const { return limits[static_cast<usize>(kind)]; }

    // Defaults for a machine with `physical_bytes` of usable memory: no module may hold more than
    // half of it in linear memory and regions, an eighth (at most 64 MiB) in kernel heap, 1 Mi
    // table elements (8 MiB), and fixed counts of kernel objects well below the kernel's totals.
    static constexpr u64 default_table_elements = 1ull << 20;
    static constexpr u64 default_handles = 256;
    static constexpr u64 default_regions = 64;
    static constexpr u64 default_channels = 16;
    static constexpr u64 default_read_only_mappings = 16;
    static constexpr u64 default_timers = 16;
    static constexpr ResourceLimits defaults(u64 physical_bytes)
    {
        ResourceLimits result;
        result[Resource::MemoryBytes] = physical_bytes / 2;
        u64 heap = physical_bytes / 8;
        result[Resource::KernelHeapBytes] = heap < (64ull << 20) ? heap : (64ull << 20);
        result[Resource::TableElements] = default_table_elements;
        result[Resource::Handles] = default_handles;
        result[Resource::Regions] = default_regions;
        result[Resource::Channels] = default_channels;
        result[Resource::ReadOnlyMappings] = default_read_only_mappings;
        result[Resource::Timers] = default_timers;
        return result;
    }
};

class ResourceAccount {
public:
    using Deleter = void (*)(ResourceAccount*);

    // `deleter` runs when the last reference goes (null: the account is not heap-allocated).
    explicit ResourceAccount(ResourceLimits limits = {}, Deleter deleter = nullptr) : m_limits(limits), m_deleter(deleter) { }
    ResourceAccount(const ResourceAccount&) = delete;
    ResourceAccount& operator=(const ResourceAccount&) = delete;

    // Adds `amount` unless that would pass the limit; then OutOfMemory (byte kinds) or Exhausted
    // and nothing changes.
    ErrorOr charge(Resource kind, u64 amount)
    {
        u64* counter = &m_used[static_cast<usize>(kind)];
        u64 limit = m_limits[kind];
        u64 used = __atomic_load_n(counter, __ATOMIC_RELAXED);
        while (true) {
            if (amount > limit || used > limit - amount) {
                __atomic_add_fetch(&m_refusals[static_cast<usize>(kind)], 1, __ATOMIC_RELAXED);
                return is_byte_resource(kind) ? Error::from(ErrorCode::OutOfMemory, "resource limit: memory of this process exhausted")
                                              : Error::from(ErrorCode::Exhausted, "resource limit of this process reached");
            }
            if (__atomic_compare_exchange_n(counter, &used, used + amount, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
                break;
        }
        u64 now = used + amount;
        u64* peak = &m_peak[static_cast<usize>(kind)];
        u64 seen = __atomic_load_n(peak, __ATOMIC_RELAXED);
        while (seen < now && !__atomic_compare_exchange_n(peak, &seen, now, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) { }
        return {};
    }

    // Gives back what a charge took. Giving back more than was charged is a kernel bug.
    void release(Resource kind, u64 amount)
    {
        u64 before = __atomic_fetch_sub(&m_used[static_cast<usize>(kind)], amount, __ATOMIC_RELAXED);
        VERIFY(before >= amount);
    }

    u64 used(Resource kind) const { return __atomic_load_n(&m_used[static_cast<usize>(kind)], __ATOMIC_RELAXED); }
    u64 peak(Resource kind) const { return __atomic_load_n(&m_peak[static_cast<usize>(kind)], __ATOMIC_RELAXED); }
    u64 refusals(Resource kind) const { return __atomic_load_n(&m_refusals[static_cast<usize>(kind)], __ATOMIC_RELAXED); }
    u64 limit(Resource kind) const { return m_limits[kind]; }
    const ResourceLimits& limits() const { return m_limits; }
    // Nothing charged any more (every resource came back).
    bool is_clear() const
    {
        for (usize i = 0; i < resource_kind_count; ++i) {
            if (used(static_cast<Resource>(i)) != 0)
                return false;
        }
        return true;
    }

    void ref() { __atomic_add_fetch(&m_references, 1, __ATOMIC_RELAXED); }
    void unref()
    {
        u32 left = __atomic_sub_fetch(&m_references, 1, __ATOMIC_ACQ_REL);
        VERIFY(left != ~0u);
        if (left == 0 && m_deleter)
            m_deleter(this);
    }
    u32 reference_count() const { return __atomic_load_n(&m_references, __ATOMIC_RELAXED); }

private:
    ResourceLimits m_limits;
    Deleter m_deleter;
    u64 m_used[resource_kind_count] {};
    u64 m_peak[resource_kind_count] {};
    u64 m_refusals[resource_kind_count] {};
    u32 m_references { 1 };
};

// A charge held by an object (a Region, a Channel, a Timer): takes a reference on the account and
// gives the charge and the reference back when the object goes. Empty when there is no account.
class ResourceCharge {
public:
    ResourceCharge() = default;
    static Result<ResourceCharge> take(ResourceAccount* account, Resource kind, u64 amount)
    {
        ResourceCharge charge;
        if (!account)
            return charge;
        TRY(account->charge(kind, amount));
        account->ref();
        charge.m_account = account;
        charge.m_kind = kind;
        charge.m_amount = amount;
        return charge;
    }
    ResourceCharge(ResourceCharge&& other) : m_account(other.m_account), m_kind(other.m_kind), m_amount(other.m_amount)
    {
        other.m_account = nullptr;
    }
    ResourceCharge& operator=(ResourceCharge&& other)
    {
        if (this != &other) {
            reset();
            m_account = other.m_account;
            m_kind = other.m_kind;
            m_amount = other.m_amount;
            other.m_account = nullptr;
        }
        return *this;
    }
    ResourceCharge(const ResourceCharge&) = delete;
    ResourceCharge& operator=(const ResourceCharge&) = delete;
    ~ResourceCharge() { reset(); }

    void reset()
    {
        // NOLINTNEXTLINE(clang-analyzer-core.uninitialized.Branch): clang-analyzer's false positive: on TRY's early return it runs this destructor for the result that was never made
        if (!m_account)
            return;
        ResourceAccount* account = m_account;
        m_account = nullptr;
        account->release(m_kind, m_amount);
        account->unref();
    }
    ResourceAccount* account() const { return m_account; }

private:
    ResourceAccount* m_account { nullptr };
    Resource m_kind { Resource::MemoryBytes };
    u64 m_amount { 0 };
};

// The account that kernel objects created now are charged to: the embedder (the booted kernel:
// the running process) installs the source; without one nothing is charged (hosted tests pass an
// account explicitly where they need one).
using ResourceAccountSource = ResourceAccount* (*)();
inline ResourceAccountSource g_resource_account_source = nullptr;
inline void set_resource_account_source(ResourceAccountSource source) { g_resource_account_source = source; }
inline ResourceAccount* current_resource_account() { return g_resource_account_source ? g_resource_account_source() : nullptr; }

} // namespace ath::object
