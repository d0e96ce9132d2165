#pragma once

// A PageAllocator for hosted loader tests: host pages whose addresses play the role of physical
// addresses, with an optional limit to provoke running out.
#include <cstdlib>
#include <cstring>
#include <vector>

#include <boot/uefi/PageAllocator.h>

namespace ath::boot::testing {

class HostPages final : public PageAllocator {
public:
    HostPages() = default;
    HostPages(const HostPages&) = delete;
    HostPages& operator=(const HostPages&) = delete;
    ~HostPages()
    {
        for (void* page : m_pages)
            std::free(page);
    }
    Result<u64> allocate_zeroed_page() override
    {
        if (m_pages.size() == m_limit)
            return Error::from(ErrorCode::OutOfMemory, "test page limit");
        void* page = std::aligned_alloc(4096, 4096);
        std::memset(page, 0, 4096);
        m_pages.push_back(page);
        return reinterpret_cast<u64>(page);
    }
    u64* page_at(u64 physical) override { return reinterpret_cast<u64*>(physical); }
    usize count() const { return m_pages.size(); }
    void set_limit(usize limit) { m_limit = limit; }

private:
    std::vector<void*> m_pages;
    usize m_limit { ~static_cast<usize>(0) };
};

} // namespace ath::boot::testing
