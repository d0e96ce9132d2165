#pragma once

// A Region is a set of pages that can be mapped into several linear memories at once: the
// zero-copy path for bulk data. Its size is fixed at creation.
#include <kernel/object/Object.h>
#include <kernel/lib/Span.h>
#include <kernel/object/PageMapper.h>
#include <kernel/object/ResourceAccount.h>

namespace ath::object {

class Region final : public Object {
public:
    static constexpr ObjectType type_tag = ObjectType::Region;
    static constexpr u64 max_size = 1ull << 30;

    // `size` is rounded up to whole pages; 0 or more than max_size -> InvalidArgument. The region
    // and its pages are charged to `account` (Resource::Regions, Resource::MemoryBytes) until it
    // goes: over a limit -> Exhausted / OutOfMemory and nothing is made.
    static Result<RefPtr<Region>> create(ObjectAllocator&, PageMapper&, u64 size,
        ResourceAccount* account = current_resource_account());

    u64 size() const { return m_pages.size; }
    const RegionPages& pages() const { return m_pages; }
    PageMapper& mapper() const { return m_mapper; }
    // The kernel's own view of the bytes (for kernel-side rings and tests).
    Bytes kernel_bytes() const { return Bytes(m_pages.kernel_view, m_pages.size); }

    Region(PageMapper& mapper, RegionPages pages) : Object(ObjectType::Region), m_mapper(mapper), m_pages(pages) { }
    ~Region() override { m_mapper.destroy_pages(m_pages); }

private:
    PageMapper& m_mapper;
    RegionPages m_pages;
    ResourceCharge m_count_charge;
    ResourceCharge m_memory_charge;
};

} // namespace ath::object
