#pragma once

// Kernel objects: reference counted, typed by a tag instead of RTTI, freed through the allocator
// that made them. Handles (HandleTable.h) and kernel code hold references through RefPtr.
#include <kernel/lib/Allocator.h>
#include <kernel/lib/Assert.h>
#include <kernel/lib/Placement.h>
#include <kernel/lib/Result.h>
#include <kernel/lib/Traits.h>
#include <kernel/lib/Types.h>

namespace ath::object {

enum class ObjectType : u8 {
    Process,
    Endpoint,
    Region,
    Channel,
    Event,
    Device, // a device's register window (kernel/object/Device.h)
    Irq,    // one interrupt line delivered as event bits (kernel/object/Irq.h)
    Timer,  // one-shot / periodic deadlines delivered as event bits (kernel/object/Timer.h)
    Console, // the console: output ring, input queue, attached driver (kernel/object/Console.h)
    Stream,  // one of a console's streams, a process's stdin/stdout/stderr (kernel/object/Stream.h)
    PciDevice, // one PCI function: its own config space, its BARs as Devices (kernel/object/PciDevice.h)
    DmaBuffer, // pinned frames a PCI function may master, with their device address (kernel/object/DmaBuffer.h)
};

const char* object_type_name(ObjectType);

template<typename T>
class RefPtr;
// Where objects get their memory: the kernel core's one allocator interface (kernel/lib/Allocator.h).
using ObjectAllocator = Allocator;
template<typename T, typename... Args>
Result<RefPtr<T>> make_object(ObjectAllocator&, Args&&...);

// The destructor is protected (an object ends only through unref) and virtual (destroy() runs the
// derived destructor through it).
class Object { // NOLINT(cppcoreguidelines-virtual-class-destructor): see above
public:
    Object(const Object&) = delete;
    Object& operator=(const Object&) = delete;

    ObjectType type() const { return m_type; }

    void ref() { __atomic_add_fetch(&m_references, 1, __ATOMIC_RELAXED); }
    void unref()
    {
        u32 left = __atomic_sub_fetch(&m_references, 1, __ATOMIC_ACQ_REL);
        VERIFY(left != ~0u);
        if (left == 0)
            destroy();
    }
    u32 reference_count() const { return __atomic_load_n(&m_references, __ATOMIC_RELAXED); }

    // A handle to this object went away (closed, revoked, moved out; called under the capability
    // space's lock). Objects that threads wait on wake them so each re-checks the handle it waits
    // through (object::WaitCondition): revoking a handle ends the waits made through it.
    virtual void handle_dropped() { }

protected:
    explicit Object(ObjectType type) : m_type(type) { }
    virtual ~Object() = default;


private:
    template<typename T, typename... Args>
    friend Result<RefPtr<T>> make_object(ObjectAllocator&, Args&&...);

    void destroy()
    {
        ObjectAllocator* allocator = m_allocator;
        usize size = m_size;
        usize alignment = m_alignment;
        this->~Object();
        allocator->deallocate(this, size, alignment);
    }

    ObjectType m_type;
    u32 m_references { 1 };
    ObjectAllocator* m_allocator { nullptr };
    usize m_size { 0 };
    usize m_alignment { 0 };
};

// An owning reference. Copying adds a reference, destruction drops one.
template<typename T>
class RefPtr {
public:
    RefPtr() = default;
    RefPtr(decltype(nullptr)) { }
    static RefPtr adopt(T* object) { return RefPtr(object, Adopt {}); }
    explicit RefPtr(T* object) : m_object(object)
    {
        if (m_object)
            m_object->ref();
    }
    RefPtr(const RefPtr& other) : RefPtr(other.m_object) { }
    RefPtr(RefPtr&& other) : m_object(exchange(other.m_object, nullptr)) { }
    template<typename U>
    RefPtr(RefPtr<U>&& other) : m_object(other.leak())
    {
    }
    RefPtr& operator=(const RefPtr& other)
    {
        RefPtr copy(other);
        swap(copy);
        return *this;
    }
    RefPtr& operator=(RefPtr&& other)
    {
        RefPtr moved(move(other));
        swap(moved);
        return *this;
    }
    ~RefPtr()
    {
        // NOLINTNEXTLINE(clang-analyzer-core.uninitialized.Branch): clang-analyzer's false positive: on TRY's early return it runs this destructor for the result that was never made
        if (m_object)
            m_object->unref();
    }

    T* get() const { return m_object; }
    T* operator->() const { return m_object; }
    T& operator*() const { return *m_object; }
    explicit operator bool() const { return m_object != nullptr; }
    T* leak() { return exchange(m_object, nullptr); }
    void swap(RefPtr& other)
    {
        T* mine = m_object;
        m_object = other.m_object;
        other.m_object = mine;
    }

private:
    struct Adopt { };
    RefPtr(T* object, Adopt) : m_object(object) { }
    T* m_object { nullptr };
};

// Makes a T (which derives from Object) in memory from `allocator`, with one reference.
template<typename T, typename... Args>
Result<RefPtr<T>> make_object(ObjectAllocator& allocator, Args&&... args)
{
    void* memory = allocator.allocate(sizeof(T), alignof(T));
    if (!memory)
        return Error::from(ErrorCode::OutOfMemory, "no memory for a kernel object");
    T* object = new (memory) T(forward<Args>(args)...);
    Object* base = object;
    base->m_allocator = &allocator;
    base->m_size = sizeof(T);
    base->m_alignment = alignof(T);
    return RefPtr<T>::adopt(object);
}

// Checked downcast by type tag: null when `object` is not a T. Every concrete object type
// declares `static constexpr ObjectType type_tag`.
template<typename T>
T* downcast(Object* object)
{
    if (!object || object->type() != T::type_tag)
        return nullptr;
    return static_cast<T*>(object);
}

} // namespace ath::object
