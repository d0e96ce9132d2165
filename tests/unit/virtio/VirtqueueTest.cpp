// sdk/include/azoth_virtqueue.h against a simulated device that reads the rings as virtio 1.1
// section 2.6 says a device does: layout, descriptor chains, the available and used rings, wrap
// of the free-running indices, and a hostile device's used entries refused.
#include <azoth_virtqueue.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

constexpr uint64_t device_base = 0x8000'0000;

// A queue in page-aligned memory the "device" reads through device addresses.
struct Queue {
    uint16_t size;
    unsigned char* memory;
    azoth_virtq_t q {};
    uint16_t device_avail = 0; // the device's position in the available ring
    uint16_t device_used = 0;  // the next used->idx the device publishes

    explicit Queue(uint16_t entries) : size(entries)
    {
        memory = static_cast<unsigned char*>(std::aligned_alloc(4096, 4096 * 4));
        std::memset(memory, 0xEE, 4096 * 4);
        EXPECT_EQ(azoth_virtq_init(&q, size, memory, 4096 * 4, device_base), AZOTH_VIRTQ_OK);
    }
    ~Queue() { std::free(memory); }

    template<typename T>
    T& at(uint64_t device_address) { return *reinterpret_cast<T*>(memory + (device_address - device_base)); }

    // The device takes the next available chain: its descriptors as (addr, len, flags).
    bool device_pop(uint16_t& head, std::vector<azoth_virtq_desc_t>& chain)
    {
        uint16_t idx = at<uint16_t>(q.avail_address + 2);
        if (idx == device_avail)
            return false;
        head = at<uint16_t>(q.avail_address + 4 + 2 * (device_avail % size));
        ++device_avail;
        chain.clear();
        uint16_t at_desc = head;
        for (int guard = 0; guard <= size; ++guard) {
            auto desc = at<azoth_virtq_desc_t>(q.desc_address + 16ull * at_desc);
            chain.push_back(desc);
            if (!(desc.flags & AZOTH_VIRTQ_DESC_F_NEXT))
                return true;
            at_desc = desc.next;
        }
        ADD_FAILURE() << "descriptor loop";
        return false;
    }

    void device_push(uint32_t id, uint32_t length)
    {
        auto* ring = &at<azoth_virtq_used_elem_t>(q.used_address + 4);
        ring[device_used % size] = { id, length };
        ++device_used;
        at<uint16_t>(q.used_address + 2) = device_used;
    }
};

azoth_virtq_buffer_t readable(uint64_t address, uint32_t length) { return { address, length, 0 }; }
azoth_virtq_buffer_t writable(uint64_t address, uint32_t length) { return { address, length, 1 }; }

} // namespace

TEST(Virtqueue, LayoutFollowsTheSpecAlignments)
{
    for (uint16_t size : { 1, 2, 16, 64, 256 }) {
        EXPECT_EQ(azoth_virtq_used_offset(size) % 4, 0u);
        EXPECT_GE(azoth_virtq_used_offset(size), 16u * size + 6 + 2u * size); // avail: flags, idx, ring, used_event
        EXPECT_EQ(azoth_virtq_bytes(size), azoth_virtq_used_offset(size) + 6 + 8u * size);
    }
    Queue queue(16);
    EXPECT_EQ(queue.q.desc_address, device_base);
    EXPECT_EQ(queue.q.avail_address, device_base + 256);
    EXPECT_EQ(queue.q.used_address % 4, 0u);
    // Zeroed: both indices start at 0.
    EXPECT_EQ(queue.at<uint16_t>(queue.q.avail_address + 2), 0);
    EXPECT_EQ(queue.at<uint16_t>(queue.q.used_address + 2), 0);
}

TEST(Virtqueue, InitRefusesBadSizesAndMemory)
{
    azoth_virtq_t q;
    alignas(4096) static unsigned char memory[8192];
    for (uint16_t size : { 0, 3, 24, 512, 32768 })
        EXPECT_EQ(azoth_virtq_init(&q, size, memory, sizeof memory, device_base), AZOTH_VIRTQ_INVALID) << size;
    EXPECT_EQ(azoth_virtq_init(&q, 16, memory + 8, sizeof memory - 8, device_base), AZOTH_VIRTQ_INVALID); // misaligned
    EXPECT_EQ(azoth_virtq_init(&q, 16, memory, 100, device_base), AZOTH_VIRTQ_INVALID);                  // too small
    EXPECT_EQ(azoth_virtq_init(&q, 16, memory, sizeof memory, device_base + 4), AZOTH_VIRTQ_INVALID);    // device misaligned
    EXPECT_EQ(azoth_virtq_init(&q, 16, nullptr, sizeof memory, device_base), AZOTH_VIRTQ_INVALID);
}

TEST(Virtqueue, AChainReachesTheDeviceInOrderWithItsFlags)
{
    Queue queue(8);
    azoth_virtq_buffer_t request[] = { readable(0x1000, 16), writable(0x2000, 512), writable(0x3000, 1) };
    uint16_t head = 99;
    ASSERT_EQ(azoth_virtq_add(&queue.q, request, 3, &head), AZOTH_VIRTQ_OK);
    EXPECT_EQ(azoth_virtq_in_flight(&queue.q), 3u);
    uint16_t popped = 0;
    std::vector<azoth_virtq_desc_t> chain;
    ASSERT_TRUE(queue.device_pop(popped, chain));
    EXPECT_EQ(popped, head);
    ASSERT_EQ(chain.size(), 3u);
    EXPECT_EQ(chain[0].addr, 0x1000u);
    EXPECT_EQ(chain[0].len, 16u);
    EXPECT_EQ(chain[0].flags, AZOTH_VIRTQ_DESC_F_NEXT);
    EXPECT_EQ(chain[1].flags, AZOTH_VIRTQ_DESC_F_NEXT | AZOTH_VIRTQ_DESC_F_WRITE);
    EXPECT_EQ(chain[2].addr, 0x3000u);
    EXPECT_EQ(chain[2].flags, AZOTH_VIRTQ_DESC_F_WRITE);
    EXPECT_FALSE(queue.device_pop(popped, chain)); // only one published

    uint16_t done = 0;
    uint32_t length = 0;
    EXPECT_EQ(azoth_virtq_take_used(&queue.q, &done, &length), AZOTH_VIRTQ_EMPTY);
    queue.device_push(head, 513);
    ASSERT_EQ(azoth_virtq_take_used(&queue.q, &done, &length), AZOTH_VIRTQ_OK);
    EXPECT_EQ(done, head);
    EXPECT_EQ(length, 513u);
    EXPECT_EQ(azoth_virtq_in_flight(&queue.q), 0u);
    EXPECT_EQ(azoth_virtq_take_used(&queue.q, &done, &length), AZOTH_VIRTQ_EMPTY);
}

TEST(Virtqueue, BadRequestsAreRefusedAndAFullQueueSaysSo)
{
    Queue queue(4);
    uint16_t head;
    azoth_virtq_buffer_t zero[] = { writable(0x1000, 0) };
    EXPECT_EQ(azoth_virtq_add(&queue.q, zero, 1, &head), AZOTH_VIRTQ_INVALID);
    azoth_virtq_buffer_t backwards[] = { writable(0x1000, 8), readable(0x2000, 8) };
    EXPECT_EQ(azoth_virtq_add(&queue.q, backwards, 2, &head), AZOTH_VIRTQ_INVALID);
    EXPECT_EQ(azoth_virtq_add(&queue.q, backwards, 0, &head), AZOTH_VIRTQ_INVALID);
    azoth_virtq_buffer_t overflow[] = { writable(0x1000, 0xFFFFFFFF), writable(0x2000, 2) };
    EXPECT_EQ(azoth_virtq_add(&queue.q, overflow, 2, &head), AZOTH_VIRTQ_INVALID);
    azoth_virtq_buffer_t five[] = { readable(1, 1), readable(2, 1), readable(3, 1), readable(4, 1), readable(5, 1) };
    EXPECT_EQ(azoth_virtq_add(&queue.q, five, 5, &head), AZOTH_VIRTQ_FULL);
    EXPECT_EQ(azoth_virtq_add(&queue.q, five, 4, &head), AZOTH_VIRTQ_OK);
    EXPECT_EQ(azoth_virtq_add(&queue.q, five, 1, &head), AZOTH_VIRTQ_FULL);
    EXPECT_EQ(queue.at<uint16_t>(queue.q.avail_address + 2), 1); // nothing refused was published
}

TEST(Virtqueue, OutOfOrderCompletionAndIndexWrapKeepTheFreeListWhole)
{
    Queue queue(8);
    // 70000 requests: both free-running u16 indices wrap; the device completes pairs in reverse.
    for (int round = 0; round < 35000; ++round) {
        uint16_t a, b;
        azoth_virtq_buffer_t first[] = { readable(0x100, 4), writable(0x200, 8) };
        azoth_virtq_buffer_t second[] = { writable(0x300, 64) };
        ASSERT_EQ(azoth_virtq_add(&queue.q, first, 2, &a), AZOTH_VIRTQ_OK) << round;
        ASSERT_EQ(azoth_virtq_add(&queue.q, second, 1, &b), AZOTH_VIRTQ_OK) << round;
        uint16_t pa, pb;
        std::vector<azoth_virtq_desc_t> chain;
        ASSERT_TRUE(queue.device_pop(pa, chain));
        ASSERT_EQ(chain.size(), 2u);
        ASSERT_TRUE(queue.device_pop(pb, chain));
        ASSERT_EQ(chain.size(), 1u);
        queue.device_push(pb, 64);
        queue.device_push(pa, 8);
        uint16_t done;
        uint32_t length;
        ASSERT_EQ(azoth_virtq_take_used(&queue.q, &done, &length), AZOTH_VIRTQ_OK);
        ASSERT_EQ(done, b);
        ASSERT_EQ(azoth_virtq_take_used(&queue.q, &done, &length), AZOTH_VIRTQ_OK);
        ASSERT_EQ(done, a);
        ASSERT_EQ(azoth_virtq_in_flight(&queue.q), 0u);
    }
    EXPECT_EQ(queue.q.avail_idx, uint16_t(70000));
    // Every descriptor is free again: a chain of all 8 fits.
    azoth_virtq_buffer_t eight[8];
    for (auto& buffer : eight)
        buffer = readable(0x10, 1);
    uint16_t head;
    EXPECT_EQ(azoth_virtq_add(&queue.q, eight, 8, &head), AZOTH_VIRTQ_OK);
}

TEST(Virtqueue, AHostileDevicesUsedEntriesAreRefusedAndChangeNothing)
{
    Queue queue(8);
    uint16_t head;
    azoth_virtq_buffer_t request[] = { readable(0x1000, 4), writable(0x2000, 32) };
    ASSERT_EQ(azoth_virtq_add(&queue.q, request, 2, &head), AZOTH_VIRTQ_OK);
    uint16_t done;
    uint32_t length;
    auto refused = [&](uint32_t id, uint32_t len) {
        Queue* q = &queue;
        auto* ring = &q->at<azoth_virtq_used_elem_t>(q->q.used_address + 4);
        ring[0] = { id, len };
        q->at<uint16_t>(q->q.used_address + 2) = 1;
        EXPECT_EQ(azoth_virtq_take_used(&q->q, &done, &length), AZOTH_VIRTQ_DEVICE_ERROR) << id << " " << len;
        EXPECT_EQ(azoth_virtq_in_flight(&q->q), 2u);
    };
    refused(8, 1);            // past the table
    refused(0xFFFFFFFF, 1);   // far past it
    refused(head + 1, 1);     // a descriptor inside the chain, not its head
    refused(head, 33);        // more than the chain's writable bytes
    // The used index running ahead of what was posted.
    queue.at<uint16_t>(queue.q.used_address + 2) = 5;
    EXPECT_EQ(azoth_virtq_take_used(&queue.q, &done, &length), AZOTH_VIRTQ_DEVICE_ERROR);
    // The honest answer is still taken afterwards.
    auto* ring = &queue.at<azoth_virtq_used_elem_t>(queue.q.used_address + 4);
    ring[0] = { head, 32 };
    queue.at<uint16_t>(queue.q.used_address + 2) = 1;
    ASSERT_EQ(azoth_virtq_take_used(&queue.q, &done, &length), AZOTH_VIRTQ_OK);
    EXPECT_EQ(done, head);
    // A second report of the same chain is refused: it is no longer posted.
    ring[1] = { head, 0 };
    queue.at<uint16_t>(queue.q.used_address + 2) = 2;
    EXPECT_EQ(azoth_virtq_take_used(&queue.q, &done, &length), AZOTH_VIRTQ_DEVICE_ERROR);
}

TEST(Virtqueue, TheDeviceCanAskNotToBeNotified)
{
    Queue queue(4);
    EXPECT_FALSE(azoth_virtq_notify_suppressed(&queue.q));
    queue.at<uint16_t>(queue.q.used_address) = AZOTH_VIRTQ_USED_F_NO_NOTIFY;
    EXPECT_TRUE(azoth_virtq_notify_suppressed(&queue.q));
}
