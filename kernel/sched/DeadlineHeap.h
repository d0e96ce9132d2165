#pragma once

// An intrusive min-heap of deadlines (a pairing heap): the scheduler's sleepers and timed waiters
// (kernel/sched/Scheduler.h) and the armed Timer objects (kernel/object/Timer.h) wait in one, so
// many sleepers or timers cost O(log n) amortized per wake-up instead of a sorted list's O(n) per
// insertion (O(n^2) per tick when a tick re-arms n periodic timers).
//
//   insert       O(1)                    first / first_key   O(1)
//   take_first   O(log n) amortized      remove (any node)   O(log n) amortized
//
// The links live in the element (DeadlineNode), so no operation allocates (callable from the
// timer interrupt). Equal deadlines come out in insertion order (a per-heap sequence number breaks
// ties), as the sorted lists they replace did.
#include <kernel/lib/Assert.h>
#include <kernel/lib/Types.h>

namespace ath::sched {

class DeadlineNode {
public:
    DeadlineNode() = default;
    DeadlineNode(const DeadlineNode&) = delete;
    DeadlineNode& operator=(const DeadlineNode&) = delete;
    // An element must leave its heap before it dies.
    ~DeadlineNode() { VERIFY(!m_linked); }

    bool is_linked() const { return m_linked; }
    u64 deadline() const { return m_deadline; }

private:
    friend class DeadlineNodeHeap;

    DeadlineNode* m_child { nullptr };
    DeadlineNode* m_next { nullptr }; // next sibling
    DeadlineNode* m_prev { nullptr }; // previous sibling, or the parent for a first child
    void* m_element { nullptr };
    u64 m_deadline { 0 };
    u64 m_sequence { 0 };
    bool m_linked { false };
};

// The heap on the nodes themselves; each node remembers its element (an untyped pointer). Usable
// where the element type is still incomplete (TimerQueue holds Timers declared after it).
class DeadlineNodeHeap {
public:
    DeadlineNodeHeap() = default;
    DeadlineNodeHeap(const DeadlineNodeHeap&) = delete;
    DeadlineNodeHeap& operator=(const DeadlineNodeHeap&) = delete;
    // Elements still in the heap leave it (as IntrusiveList's destructor does).
    ~DeadlineNodeHeap()
    {
        while (take_first()) { }
    }

    bool is_empty() const { return m_root == nullptr; }
    usize size() const { return m_size; }

    // The element with the earliest deadline (null when empty), and that deadline.
    void* first() const { return m_root ? m_root->m_element : nullptr; }
    u64 first_deadline() const
    {
        VERIFY(m_root);
        return m_root->m_deadline;
    }

    void insert(DeadlineNode& node, void* element, u64 deadline)
    {
        VERIFY(!node.m_linked);
        node.m_child = node.m_next = node.m_prev = nullptr;
        node.m_element = element;
        node.m_deadline = deadline;
        node.m_sequence = m_next_sequence++;
        node.m_linked = true;
        m_root = m_root ? meld(m_root, &node) : &node;
        ++m_size;
    }

    void* take_first()
    {
        if (!m_root)
            return nullptr;
        DeadlineNode* node = m_root;
        m_root = merge_pairs(node->m_child);
        unlink(*node);
        return node->m_element;
    }

    // Removes `node`, which must be in this heap.
    void remove(DeadlineNode& node)
    {
        VERIFY(node.m_linked);
        if (&node == m_root) {
            (void)take_first();
            return;
        }
        // Cut the node (and its subtree) out of its parent's child list.
        if (node.m_prev->m_child == &node)
            node.m_prev->m_child = node.m_next;
        else
            node.m_prev->m_next = node.m_next;
        if (node.m_next)
            node.m_next->m_prev = node.m_prev;
        node.m_next = node.m_prev = nullptr;
        if (DeadlineNode* children = merge_pairs(node.m_child))
            m_root = meld(m_root, children);
        unlink(node);
    }

    // Comparisons made so far (tests check the cost stays O(n log n)).
    u64 comparisons() const { return m_comparisons; }

private:
    bool earlier(const DeadlineNode* a, const DeadlineNode* b)
    {
        ++m_comparisons;
        return a->m_deadline < b->m_deadline || (a->m_deadline == b->m_deadline && a->m_sequence < b->m_sequence);
    }

    // Two roots (no siblings, no parent) become one: the later one is the earlier one's first child.
    DeadlineNode* meld(DeadlineNode* a, DeadlineNode* b)
    {
        if (earlier(b, a)) {
            DeadlineNode* swap = a;
            a = b;
            b = swap;
        }
        b->m_prev = a;
        b->m_next = a->m_child;
        if (a->m_child)
            a->m_child->m_prev = b;
        a->m_child = b;
        return a;
    }

    // The two-pass merge of a child list into one root: pairs left to right, then the pairs right
    // to left.
    DeadlineNode* merge_pairs(DeadlineNode* first)
    {
        if (!first)
            return nullptr;
        DeadlineNode* pairs = nullptr; // melded pairs, last first, linked through m_next
        DeadlineNode* current = first;
        while (current) {
            DeadlineNode* a = current;
            DeadlineNode* b = a->m_next;
            current = b ? b->m_next : nullptr;
            a->m_next = a->m_prev = nullptr;
            DeadlineNode* merged = a;
            if (b) {
                b->m_next = b->m_prev = nullptr;
                merged = meld(a, b);
            }
            merged->m_next = pairs;
            pairs = merged;
        }
        DeadlineNode* result = pairs;
        pairs = pairs->m_next;
        result->m_next = nullptr;
        while (pairs) {
            DeadlineNode* next = pairs->m_next;
            pairs->m_next = nullptr;
            result = meld(result, pairs);
            pairs = next;
        }
        result->m_prev = nullptr;
        return result;
    }

    void unlink(DeadlineNode& node)
    {
        node.m_child = node.m_next = node.m_prev = nullptr;
        node.m_linked = false;
        --m_size;
    }

    DeadlineNode* m_root { nullptr };
    usize m_size { 0 };
    u64 m_next_sequence { 0 };
    u64 m_comparisons { 0 };
};

// The typed heap: elements of type T linked through their DeadlineNode member.
template<typename T, DeadlineNode T::*Member>
class DeadlineHeap {
public:
    bool is_empty() const { return m_heap.is_empty(); }
    usize size() const { return m_heap.size(); }
    T* first() const { return static_cast<T*>(m_heap.first()); }
    u64 first_deadline() const { return m_heap.first_deadline(); }
    void insert(T& element, u64 deadline) { m_heap.insert(element.*Member, &element, deadline); }
    T* take_first() { return static_cast<T*>(m_heap.take_first()); }
    void remove(T& element) { m_heap.remove(element.*Member); }
    u64 comparisons() const { return m_heap.comparisons(); }

private:
    DeadlineNodeHeap m_heap;
};

} // namespace ath::sched
