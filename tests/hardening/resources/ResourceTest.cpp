// Per-process resource accounting (issue 14, finding 2 and class 3), hosted with ASan/UBSan:
// the account itself, the manifest keys, the kernel heap giving back empty regions, table and
// memory limits in the engine (through the kernel's own AccountLimiter), and the objects that
// charge an account (Region, Channel, Timer, handles). The finding-2 regression runs a module
// with eight tables that grow until refused: it must stop at its limit, alone.
#include <kernel/platform/hosted/HostedLinearMemory.h>
#include <kernel/platform/hosted/HostedWait.h>
#include <kernel/ipc/Channel.h>
#include <kernel/mm/HeapAllocator.h>
#include <kernel/object/Event.h>
#include <kernel/object/Manifest.h>
#include <kernel/object/Region.h>
#include <kernel/object/ResourceAccount.h>
#include <kernel/object/Timer.h>
#include <kernel/process/ModuleTable.h>
#include <kernel/platform/kernel/KernelAllocator.h>
#include <kernel/wasm/Runtime.h>
#include <kernel/platform/hosted/HostedSupport.h>
#include <tests/unit/object/FakeHardware.h>
#include <tests/unit/object/ObjectTestSupport.h>
#include <tests/unit/wasm/WasmBytes.h>

#include <gtest/gtest.h>

#include <cstdlib>

using namespace ath;
using namespace ath::object;
using namespace ath::wasm::test;

namespace {

// ---- the account ------------------------------------------------------------------------------

TEST(ResourceAccount, ChargesUpToTheLimitAndRefusesWithoutChange)
{
    ResourceLimits limits;
    limits[Resource::Regions] = 3;
    limits[Resource::MemoryBytes] = 1000;
    ResourceAccount account(limits);
    EXPECT_FALSE(account.charge(Resource::Regions, 2).is_error());
    EXPECT_FALSE(account.charge(Resource::Regions, 1).is_error());
    auto refused = account.charge(Resource::Regions, 1);
    ASSERT_TRUE(refused.is_error());
    EXPECT_EQ(refused.error().code, ErrorCode::Exhausted);
    EXPECT_EQ(account.used(Resource::Regions), 3u);
    EXPECT_EQ(account.refusals(Resource::Regions), 1u);

    auto too_much = account.charge(Resource::MemoryBytes, 1001);
    ASSERT_TRUE(too_much.is_error());
    EXPECT_EQ(too_much.error().code, ErrorCode::OutOfMemory);
    EXPECT_EQ(account.used(Resource::MemoryBytes), 0u);
    // An amount that would wrap the counter is refused too.
    EXPECT_FALSE(account.charge(Resource::MemoryBytes, 600).is_error());
    EXPECT_TRUE(account.charge(Resource::MemoryBytes, ~0ull - 10).is_error());
    EXPECT_EQ(account.used(Resource::MemoryBytes), 600u);

    account.release(Resource::Regions, 3);
    account.release(Resource::MemoryBytes, 600);
    EXPECT_TRUE(account.is_clear());
    EXPECT_EQ(account.peak(Resource::Regions), 3u);
    // Unlimited kinds take anything that does not wrap.
    EXPECT_FALSE(account.charge(Resource::Timers, 1ull << 40).is_error());
    account.release(Resource::Timers, 1ull << 40);
}

TEST(ResourceAccount, DefaultsAreSharesOfMemory)
{
    auto limits = ResourceLimits::defaults(512ull << 20);
    EXPECT_EQ(limits[Resource::MemoryBytes], 256ull << 20);
    EXPECT_EQ(limits[Resource::KernelHeapBytes], 64ull << 20);
    EXPECT_EQ(ResourceLimits::defaults(128ull << 20)[Resource::KernelHeapBytes], 16ull << 20);
    EXPECT_EQ(limits[Resource::TableElements], 1ull << 20);
    for (usize i = 0; i < resource_kind_count; ++i)
        EXPECT_NE(limits.limits[i], ResourceLimits::unlimited) << i;
}

TEST(ResourceAccount, ChargesHoldTheAccountAndGiveBack)
{
    ResourceLimits limits;
    limits[Resource::Timers] = 1;
    int deleted = 0;
    static int* deleted_counter;
    deleted_counter = &deleted;
    auto* account = new ResourceAccount(limits, [](ResourceAccount* self) {
        ++*deleted_counter;
        delete self;
    });
    {
        auto charge = ResourceCharge::take(account, Resource::Timers, 1);
        ASSERT_FALSE(charge.is_error());
        EXPECT_TRUE(ResourceCharge::take(account, Resource::Timers, 1).is_error());
        EXPECT_EQ(account->reference_count(), 2u);
        account->unref(); // the process goes; the charge keeps the account
        EXPECT_EQ(deleted, 0);
        auto moved = move(charge.value());
        EXPECT_EQ(moved.account(), account);
    }
    EXPECT_EQ(deleted, 1);
    // No account: nothing to charge, never refused.
    EXPECT_FALSE(ResourceCharge::take(nullptr, Resource::Timers, 99).is_error());
}

// ---- manifest keys ----------------------------------------------------------------------------

TEST(ResourceManifest, ParsesEveryLimitKeyWithItsUnit)
{
    auto manifest = Manifest::parse("max-memory-mb = 64\nmax-kernel-heap-mb = 8\nmax-table-elements = 5000\n"
                                    "max-handles = 20\nmax-regions = 4\nmax-channels = 2\nmax-read-only-mappings = 1\n"
                                    "max-timers = 3\n",
        "m");
    ASSERT_FALSE(manifest.is_error()) << manifest.error().reason;
    auto& limits = manifest.value().limits;
    EXPECT_EQ(limits[Resource::MemoryBytes], 64ull << 20);
    EXPECT_EQ(limits[Resource::KernelHeapBytes], 8ull << 20);
    EXPECT_EQ(limits[Resource::TableElements], 5000u);
    EXPECT_EQ(limits[Resource::Handles], 20u);
    EXPECT_EQ(limits[Resource::Regions], 4u);
    EXPECT_EQ(limits[Resource::Channels], 2u);
    EXPECT_EQ(limits[Resource::ReadOnlyMappings], 1u);
    EXPECT_EQ(limits[Resource::Timers], 3u);
    EXPECT_EQ(manifest.value().limits_set, 0xFFu);
}

TEST(ResourceManifest, RejectsBadLimits)
{
    for (const char* text : { "max-memory-mb = -1\n", "max-memory-mb = lots\n", "max-handles = 1\nmax-handles = 2\n",
             "max-memory-mb = 99999999999\n", "max-bananas = 3\n", "max-timers =\n" }) {
        auto manifest = Manifest::parse(text, "m");
        ASSERT_TRUE(manifest.is_error()) << text;
        EXPECT_EQ(manifest.error().code, ErrorCode::Malformed) << text;
    }
}

TEST(ResourceManifest, ModuleTableKeepsLimitsAndDefaultsFillTheRest)
{
    u8 wasm[] = { 0 };
    auto manifest = process::ModuleTable::parse("m", "max-table-elements = 100\nmax-regions = 0\n", ReadonlyBytes(wasm, 1));
    ASSERT_FALSE(manifest.is_error());
    auto defaults = ResourceLimits::defaults(512ull << 20);
    auto effective = manifest.value().effective_limits(defaults);
    EXPECT_EQ(effective[Resource::TableElements], 100u);
    EXPECT_EQ(effective[Resource::Regions], 0u);
    EXPECT_EQ(effective[Resource::MemoryBytes], defaults[Resource::MemoryBytes]);
    EXPECT_EQ(effective[Resource::Handles], defaults[Resource::Handles]);
}

// ---- the kernel heap gives back empty regions --------------------------------------------------

struct HeapRegions {
    static constexpr usize size = 64 * 1024;
    u8* first = static_cast<u8*>(std::aligned_alloc(4096, size));
    u8* second = static_cast<u8*>(std::aligned_alloc(4096, size));
    ~HeapRegions()
    {
        std::free(first);
        std::free(second);
    }
};

TEST(KernelHeapRelease, AnEmptyGrowthRegionIsGivenBackAndNothingElse)
{
    HeapRegions memory;
    mm::HeapAllocator heap(true);
    ASSERT_FALSE(heap.add_region(Bytes(memory.first, HeapRegions::size)).is_error());
    // Fill the first region so the next allocations land in the second.
    void* big = heap.allocate(HeapRegions::size - 256).value();
    ASSERT_FALSE(heap.add_region(Bytes(memory.second, HeapRegions::size), /* releasable */ true).is_error());
    EXPECT_EQ(heap.region_count(), 2u);
    void* a = heap.allocate(1000).value();
    void* b = heap.allocate(2000).value();
    ASSERT_GE(a, static_cast<void*>(memory.second));
    ASSERT_GE(b, static_cast<void*>(memory.second));

    ASSERT_FALSE(heap.free(a).is_error());
    EXPECT_FALSE(heap.release_if_empty(a).has_value()); // b still lives there
    ASSERT_FALSE(heap.free(b).is_error());
    auto released = heap.release_if_empty(b);
    ASSERT_TRUE(released.has_value());
    EXPECT_EQ(released->data(), memory.second);
    EXPECT_EQ(released->size(), HeapRegions::size);
    EXPECT_EQ(heap.region_count(), 1u);
    EXPECT_FALSE(heap.check_integrity().is_error());
    // Nothing of the released region is handed out any more; the heap still works.
    void* c = heap.allocate(16).value();
    EXPECT_TRUE(c < static_cast<void*>(memory.second) || c >= static_cast<void*>(memory.second + HeapRegions::size));
    ASSERT_FALSE(heap.free(c).is_error());

    // The first (not releasable) region stays even when empty.
    ASSERT_FALSE(heap.free(big).is_error());
    EXPECT_FALSE(heap.release_if_empty(memory.first + 64).has_value());
    EXPECT_EQ(heap.region_count(), 1u);
    EXPECT_FALSE(heap.check_integrity().is_error());
    EXPECT_EQ(heap.statistics().live_allocations, 0u);
}

TEST(KernelHeapRelease, ForeignAddressesReleaseNothing)
{
    HeapRegions memory;
    mm::HeapAllocator heap(false);
    ASSERT_FALSE(heap.add_region(Bytes(memory.first, HeapRegions::size), true).is_error());
    int local = 0;
    EXPECT_FALSE(heap.release_if_empty(&local).has_value());
    EXPECT_EQ(heap.region_count(), 1u);
    // Empty and releasable: the pointer of the block just freed gives it back.
    void* a = heap.allocate(100).value();
    ASSERT_FALSE(heap.free(a).is_error());
    EXPECT_TRUE(heap.release_if_empty(a).has_value());
    EXPECT_EQ(heap.region_count(), 0u);
    EXPECT_TRUE(heap.allocate(16).is_error());
}

// ---- tables and memories in the engine ----------------------------------------------------------

constexpr u8 TABLE_GROW_0 = 0xFC, TABLE_GROW_1 = 0x0F;

// Eight growable funcref tables (the finding-2 module) and `f(delta) -> i32`: table.grow of each
// table by `delta`, returning how many of the eight grew.
ByteList many_tables_module(u32 tables, u32 initial = 0)
{
    std::vector<u8> table_section = uleb(tables);
    for (u32 t = 0; t < tables; ++t) {
        ByteList entry = cat({ ByteList { FUNCREF, 0x00 }, uleb(initial) });
        table_section.insert(table_section.end(), entry.begin(), entry.end());
    }
    ByteList code;
    for (u32 t = 0; t < tables; ++t) {
        ByteList step = cat({ ByteList { 0xD0, FUNCREF, 0x20, 0x00, TABLE_GROW_0, TABLE_GROW_1 }, uleb(t),
            ByteList { 0x41, 0x7F, 0x47, 0x20, 0x01, 0x6A, 0x21, 0x01 } });
        code.insert(code.end(), step.begin(), step.end());
    }
    code.insert(code.end(), { 0x20, 0x01 });
    return cat({
        header(),
        section(1, vec({ function_type({ I32 }, { I32 }) })),
        section(3, vec({ ByteList { 0x00 } })),
        section(4, table_section),
        section(7, vec({ cat({ name("f"), ByteList { 0x00, 0x00 } }) })),
        section(10, vec({ body(ByteList { 0x01, 0x01, I32 }, code) })),
    });
}

// One memory (1 page, no maximum) and `f(delta) -> i32` = memory.grow.
ByteList growing_memory_module()
{
    return cat({
        header(),
        section(1, vec({ function_type({ I32 }, { I32 }) })),
        section(3, vec({ ByteList { 0x00 } })),
        section(5, vec({ ByteList { 0x00, 0x01 } })),
        section(7, vec({ cat({ name("f"), ByteList { 0x00, 0x00 } }) })),
        section(10, vec({ body({ 0x00 }, { 0x20, 0x00, 0x40, 0x00 }) })),
    });
}

// Counts the bytes it holds (what the kernel heap would hold for the Store).
class ByteCountingAllocator final : public wasm::Allocator {
public:
    void* allocate(usize size, usize alignment) override
    {
        if (limit && size > limit - live)
            return nullptr;
        live += size;
        if (live > peak)
            peak = live;
        return inner.allocate(size, alignment);
    }
    void deallocate(void* pointer, usize size, usize alignment) override
    {
        if (pointer)
            live -= size;
        inner.deallocate(pointer, size, alignment);
    }
    wasm::hosted::MallocAllocator inner;
    usize live { 0 };
    usize peak { 0 };
    usize limit { 0 }; // 0: none
};

struct Instantiated {
    wasm::Store store;
    wasm::Function* function { nullptr };

    Instantiated(wasm::Allocator& allocator, wasm::StoreConfig config) : store(allocator, config) { }
    Result<u32> call(u32 argument)
    {
        wasm::Value arguments[] = { wasm::Value::from_i32(argument) };
        wasm::Value results[1];
        TRY(store.invoke(*function, Span<const wasm::Value>(arguments, 1), Span<wasm::Value>(results, 1)));
        return results[0].as_i32();
    }
};

ErrorOr instantiate(Instantiated& target, wasm::Allocator& allocator, const ByteList& bytes)
{
    auto module = TRY(make_module(allocator, bytes));
    auto* instance = TRY(target.store.instantiate(module, {}));
    target.function = instance->find_export("f")->as_function();
    return {};
}

ResourceLimits one_limit(Resource kind, u64 limit)
{
    ResourceLimits limits;
    limits[kind] = limit;
    return limits;
}

// What a module's Store is charged to: its account, the kernel's AccountLimiter over it (in
// config()) and the allocator behind the Store, which counts its bytes.
struct Accounted {
    ResourceAccount account;
    sys::AccountLimiter limiter { account };
    ByteCountingAllocator allocator;

    explicit Accounted(const ResourceLimits& limits) : account(limits) { }
    wasm::StoreConfig config()
    {
        wasm::StoreConfig config;
        config.limiter = &limiter;
        return config;
    }
    // Once the Store is gone: nothing charged, no byte held.
    void expect_all_back()
    {
        EXPECT_TRUE(account.is_clear());
        EXPECT_EQ(allocator.live, 0u);
    }
};

TEST(TableLimits, GrowthStopsAtTheAccountLimitAndComesBack)
{
    Accounted accounted(one_limit(Resource::TableElements, 10'000));
    auto& account = accounted.account;
    {
        Instantiated module(accounted.allocator, accounted.config());
        ASSERT_FALSE(instantiate(module, accounted.allocator, many_tables_module(2)).is_error());
        EXPECT_EQ(module.call(6000).value(), 1u);  // table 0 grows; table 1 would pass the limit: -1
        EXPECT_EQ(account.used(Resource::TableElements), 6000u);
        EXPECT_EQ(module.call(4000).value(), 1u);  // table 0 to 10000, table 1 refused
        EXPECT_EQ(module.call(1).value(), 0u);     // nothing left: both -1
        EXPECT_EQ(module.call(0).value(), 2u);     // growing by 0 always works
        EXPECT_EQ(account.used(Resource::TableElements), 10'000u);
        EXPECT_GE(account.refusals(Resource::TableElements), 3u);
    }
    accounted.expect_all_back();
}

TEST(TableLimits, InstantiationPastTheLimitFailsCleanly)
{
    Accounted accounted(one_limit(Resource::TableElements, 1000));
    {
        Instantiated module(accounted.allocator, accounted.config());
        auto result = instantiate(module, accounted.allocator, many_tables_module(3, 400)); // 1200 > 1000
        ASSERT_TRUE(result.is_error());
        EXPECT_EQ(result.error().code, ErrorCode::OutOfMemory);
        EXPECT_EQ(accounted.account.used(Resource::TableElements), 800u); // the first two tables, until the Store goes
    }
    accounted.expect_all_back();
}

TEST(TableLimits, AnAllocatorThatSaysNoMakesTableGrowAnswerMinusOne)
{
    ByteCountingAllocator allocator;
    allocator.limit = 4 << 20;
    {
        wasm::StoreConfig config;
        config.value_stack_slots = 4096; // the default stack alone is 8 MiB
        Instantiated module(allocator, config);
        ASSERT_FALSE(instantiate(module, allocator, many_tables_module(1)).is_error());
        EXPECT_EQ(module.call(1 << 16).value(), 1u);
        EXPECT_EQ(module.call(1 << 20).value(), 0u); // 8 MiB more than the allocator has: -1, no trap
        EXPECT_EQ(module.call(16).value(), 1u);      // and the module goes on
    }
    EXPECT_EQ(allocator.live, 0u);
}

TEST(MemoryLimits, MemoryGrowStopsAtTheAccountLimit)
{
    Accounted accounted(one_limit(Resource::MemoryBytes, 4 << 20)); // 64 pages
    auto& account = accounted.account;
    {
        Instantiated module(accounted.allocator, accounted.config());
        ASSERT_FALSE(instantiate(module, accounted.allocator, growing_memory_module()).is_error());
        EXPECT_EQ(account.used(Resource::MemoryBytes), 65536u);
        EXPECT_EQ(module.call(64).value(), 0xFFFFFFFFu); // 65 pages: refused
        EXPECT_EQ(module.call(63).value(), 1u);          // exactly the limit
        EXPECT_EQ(module.call(1).value(), 0xFFFFFFFFu);
        EXPECT_EQ(account.used(Resource::MemoryBytes), 4u << 20);
    }
    accounted.expect_all_back();
}

// Finding 2: one module with eight tables grew them to 416 MiB of kernel heap. With the default
// limits it must stop at its share (1 Mi elements: 8 MiB), the Store holding no more than that
// plus its own overhead, and another module in another Store must still work; everything comes
// back when the Store goes.
TEST(Finding2, ManyTablesGrowingHugeFailAlone)
{
    auto defaults = ResourceLimits::defaults(512ull << 20);
    Accounted hostile_side(defaults);
    Accounted good_side(defaults);
    auto& hostile_account = hostile_side.account;
    auto& hostile_allocator = hostile_side.allocator;
    {
        Instantiated hostile(hostile_allocator, hostile_side.config());
        ASSERT_FALSE(instantiate(hostile, hostile_allocator, many_tables_module(8)).is_error());
        u64 grown = 0;
        for (int round = 0; round < 4096; ++round) {
            u32 tables = hostile.call(1 << 16).value();
            grown += u64(tables) << 16;
            if (tables == 0)
                break;
        }
        // The huge single steps of the original attack are refused outright.
        EXPECT_EQ(hostile.call(0x0800'0000).value(), 0u);
        EXPECT_EQ(grown, defaults[Resource::TableElements]);
        EXPECT_EQ(hostile_account.used(Resource::TableElements), defaults[Resource::TableElements]);
        // Elements are 8 bytes; vectors may hold twice their size while growing.
        EXPECT_LT(hostile_allocator.peak, 2 * 8 * defaults[Resource::TableElements] + (8u << 20));

        Instantiated good(good_side.allocator, good_side.config());
        ASSERT_FALSE(instantiate(good, good_side.allocator, many_tables_module(1, 100)).is_error());
        EXPECT_EQ(good.call(1000).value(), 1u);
        EXPECT_EQ(good_side.account.used(Resource::TableElements), 1100u);
    }
    hostile_side.expect_all_back();
    good_side.expect_all_back();
}

// ---- objects charged to an account -------------------------------------------------------------

TEST(ObjectCharges, RegionsCountAndTheirPagesAreMemory)
{
    test_support::CountingAllocator allocator;
    hosted::HostedPageMapper mapper;
    ResourceLimits limits;
    limits[Resource::Regions] = 2;
    limits[Resource::MemoryBytes] = 3 * 4096;
    ResourceAccount account(limits);
    {
        auto first = Region::create(allocator, mapper, 4096, &account);
        ASSERT_FALSE(first.is_error());
        auto too_big = Region::create(allocator, mapper, 3 * 4096, &account);
        ASSERT_TRUE(too_big.is_error());
        EXPECT_EQ(too_big.error().code, ErrorCode::OutOfMemory);
        auto second = Region::create(allocator, mapper, 100, &account); // a whole page is charged
        ASSERT_FALSE(second.is_error());
        EXPECT_EQ(account.used(Resource::MemoryBytes), 2u * 4096);
        auto third = Region::create(allocator, mapper, 4096, &account);
        ASSERT_TRUE(third.is_error());
        EXPECT_EQ(third.error().code, ErrorCode::Exhausted);
        EXPECT_EQ(account.used(Resource::Regions), 2u);
        EXPECT_EQ(account.reference_count(), 5u); // two charges per region
    }
    EXPECT_TRUE(account.is_clear());
    EXPECT_EQ(account.reference_count(), 1u);
    EXPECT_EQ(allocator.live, 0);
}

TEST(ObjectCharges, ChannelsAndTimers)
{
    test_support::CountingAllocator allocator;
    hosted::HostedPageMapper mapper;
    hosted::FutexWaitProvider waiter;
    test_support::FakeClock clock;
    TimerQueue queue(clock);
    ResourceLimits limits;
    limits[Resource::Channels] = 1;
    limits[Resource::Timers] = 1;
    ResourceAccount account(limits);
    {
        auto channel = ipc::Channel::create(allocator, mapper, waiter, 4096, 64, &account);
        ASSERT_FALSE(channel.is_error());
        EXPECT_EQ(account.used(Resource::Regions), 1u); // its ring
        auto second = ipc::Channel::create(allocator, mapper, waiter, 4096, 64, &account);
        ASSERT_TRUE(second.is_error());
        EXPECT_EQ(second.error().code, ErrorCode::Exhausted);
        EXPECT_EQ(account.used(Resource::Regions), 1u);
        auto timer = Timer::create(allocator, queue, &account);
        ASSERT_FALSE(timer.is_error());
        auto another = Timer::create(allocator, queue, &account);
        ASSERT_TRUE(another.is_error());
        EXPECT_EQ(another.error().code, ErrorCode::Exhausted);
    }
    EXPECT_TRUE(account.is_clear());
    EXPECT_EQ(allocator.live, 0);
}

TEST(ObjectCharges, HandleLimit)
{
    test_support::CountingAllocator allocator;
    hosted::FutexWaitProvider waiter;
    CapabilitySpace space;
    HandleTable table(space);
    auto event = Event::create(allocator, waiter).release_value();
    table.set_limit(3);
    Handle handles[3];
    for (auto& handle : handles)
        handle = table.install(*event, Rights::Read | Rights::Derive).release_value();
    auto refused = table.install(*event, Rights::Read);
    ASSERT_TRUE(refused.is_error());
    EXPECT_EQ(refused.error().code, ErrorCode::Exhausted);
    EXPECT_TRUE(table.derive(handles[0], Rights::Read).is_error());
    ASSERT_FALSE(table.close(handles[1]).is_error());
    EXPECT_FALSE(table.derive(handles[0], Rights::Read).is_error());
    EXPECT_EQ(table.live_count(), 3u);
    table.set_limit(1'000'000); // above the capacity: the capacity is the limit
    EXPECT_EQ(table.limit(), HandleTable::capacity);
    table.close_all();
}

} // namespace
