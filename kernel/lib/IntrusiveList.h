#pragma once

// A doubly linked list whose links live inside the elements, so inserting never allocates.
// An element can sit in one list per IntrusiveListNode member it has.
#include "Assert.h"

namespace ath {

class IntrusiveListNode {
public:
    IntrusiveListNode() = default;
    IntrusiveListNode(const IntrusiveListNode&) = delete;
    IntrusiveListNode& operator=(const IntrusiveListNode&) = delete;
    // An element must leave its list before it dies; a dangling link would corrupt the list.
    ~IntrusiveListNode() { VERIFY(!is_linked()); }

    bool is_linked() const { return m_owner != nullptr; }

private:
    template<typename T, IntrusiveListNode T::*Member>
    friend class IntrusiveList;

    void* m_owner { nullptr }; // the list this node is in
    IntrusiveListNode* m_prev { nullptr };
    IntrusiveListNode* m_next { nullptr };
    void* m_element { nullptr }; // the T that contains this node
};

template<typename T, IntrusiveListNode T::*Member>
class IntrusiveList {
public:
    IntrusiveList() = default;
    IntrusiveList(const IntrusiveList&) = delete;
    IntrusiveList& operator=(const IntrusiveList&) = delete;
    ~IntrusiveList() { clear(); }

    bool is_empty() const { return m_first == nullptr; }
    usize size() const { return m_size; }

    void append(T& element) { link_between(element, m_last, nullptr); }
    void prepend(T& element) { link_between(element, nullptr, m_first); }

    // Inserts `element` just before `position`, which must be in this list.
    void insert_before(T& position, T& element)
    {
        IntrusiveListNode& next = position.*Member;
        VERIFY(next.m_owner == this);
        link_between(element, next.m_prev, &next);
    }

    bool contains(const T& element) const { return (element.*Member).m_owner == this; }

    void remove(T& element)
    {
        IntrusiveListNode& node = element.*Member;
        VERIFY(node.m_owner == this);
        if (node.m_prev)
            node.m_prev->m_next = node.m_next;
        else
            m_first = node.m_next;
        if (node.m_next)
            node.m_next->m_prev = node.m_prev;
        else
            m_last = node.m_prev;
        node.m_owner = nullptr;
        node.m_prev = node.m_next = nullptr;
        --m_size;
    }

    T* first() const { return m_first ? static_cast<T*>(m_first->m_element) : nullptr; }
    T* last() const { return m_last ? static_cast<T*>(m_last->m_element) : nullptr; }

    T* take_first()
    {
        T* element = first();
        if (element)
            remove(*element);
        return element;
    }

    void clear()
    {
        while (T* element = first())
            remove(*element);
    }

    class Iterator {
    public:
        explicit Iterator(IntrusiveListNode* node) : m_node(node), m_next(node ? node->m_next : nullptr) { }
        T& operator*() const { return *static_cast<T*>(m_node->m_element); }
        T* operator->() const { return static_cast<T*>(m_node->m_element); }
        // The successor is read ahead, so the loop body may remove the current element.
        Iterator& operator++()
        {
            m_node = m_next;
            m_next = m_node ? m_node->m_next : nullptr;
            return *this;
        }
        bool operator!=(const Iterator& other) const { return m_node != other.m_node; }

    private:
        IntrusiveListNode* m_node;
        IntrusiveListNode* m_next;
    };

    Iterator begin() const { return Iterator(m_first); }
    Iterator end() const { return Iterator(nullptr); }

private:
    // Links `element` (in no list) between the neighbours `prev` and `next`; null is the list's end.
    void link_between(T& element, IntrusiveListNode* prev, IntrusiveListNode* next)
    {
        IntrusiveListNode& node = element.*Member;
        VERIFY(!node.is_linked());
        node.m_owner = this;
        node.m_element = &element;
        node.m_prev = prev;
        node.m_next = next;
        if (prev)
            prev->m_next = &node;
        else
            m_first = &node;
        if (next)
            next->m_prev = &node;
        else
            m_last = &node;
        ++m_size;
    }

    IntrusiveListNode* m_first { nullptr };
    IntrusiveListNode* m_last { nullptr };
    usize m_size { 0 };
};

} // namespace ath
