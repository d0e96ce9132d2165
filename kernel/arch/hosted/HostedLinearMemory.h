#pragma once

// Hosted linear memories that never move, and regions shared through memfd.
//
// HostedLinearMemoryProvider reserves maximum + a guard with PROT_NONE on the first resize and
// commits pages with mprotect as the memory grows, so the base stays put and regions can be
// mapped into it (set StoreConfig::memory_provider). HostedPageMapper backs each Region with a
// memfd and maps it with mmap(MAP_FIXED | MAP_SHARED); unmapping puts anonymous zero pages back.
//
// Read-only mappings use PROT_READ. A guest store into one raises SIGSEGV in the host process: the
// hosted build does not turn that fault into a Wasm trap (see docs/ipc.md), so the azoth ABI only
// maps read-only when the module asked for read-only access.
#include <kernel/lib/Result.h>
#include <kernel/object/PageMapper.h>
#include <kernel/object/Process.h>
#include <kernel/wasm/Runtime.h>

namespace ath::hosted {

// One reserved range: [base, base + reserved) is PROT_NONE except the committed prefix.
class LinearMemoryReservation final : public object::LinearMemoryAccess {
public:
    static constexpr u64 guard_bytes = 64 * 1024;

    static Result<LinearMemoryReservation> create(u64 maximum_bytes);
    LinearMemoryReservation(LinearMemoryReservation&& other);
    LinearMemoryReservation& operator=(LinearMemoryReservation&&) = delete;
    ~LinearMemoryReservation();

    // Grows the committed prefix to `bytes` (never shrinks). New bytes read as zero.
    ErrorOr commit(u64 bytes);

    u8* base() const { return m_base; }
    u64 committed() const { return m_committed; }
    Bytes linear_memory() override { return Bytes(m_base, m_committed); }

private:
    LinearMemoryReservation(u8* base, u64 reserved) : m_base(base), m_reserved(reserved) { }
    u8* m_base { nullptr };
    u64 m_reserved { 0 };
    u64 m_committed { 0 };
};

class HostedLinearMemoryProvider final : public wasm::LinearMemoryProvider {
public:
    Result<u8*> resize(u8* current, u64 old_bytes, u64 new_bytes, u64 maximum_bytes) override;
    void release(u8* base, u64 bytes, u64 maximum_bytes) override;
};

class HostedPageMapper final : public object::PageMapper {
public:
    Result<object::RegionPages> create_pages(u64 size) override;
    void destroy_pages(object::RegionPages& pages) override;
    ErrorOr map(const object::RegionPages& pages, u64 offset, u8* destination, u64 length, bool writable) override;
    ErrorOr unmap(u8* destination, u64 length) override;
};

} // namespace ath::hosted
