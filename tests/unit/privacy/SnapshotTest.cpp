// Instant reset at the engine level (kernel/wasm/Snapshot.h) over the hosted provider's dirty
// tracking (kernel/platform/hosted/HostedLinearMemory.h): what a module changes after the snapshot
// is gone after restore(), and restore() touches only the pages that were written. Labels `unit`
// and `privacy`. The module is tests/privacy/snapshot.wat.
#include <kernel/platform/hosted/HostedLinearMemory.h>
#include <kernel/platform/hosted/HostedSupport.h>
#include <kernel/wasm/Snapshot.h>

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <vector>

using namespace ath;
using namespace ath::wasm;

namespace {

constexpr u64 granule = DirtyPageLog::page_bytes;

struct Fixture {
    wasm::hosted::MallocAllocator allocator;
    ath::hosted::HostedLinearMemoryProvider provider;
    std::unique_ptr<Store> store;
    std::unique_ptr<Module> module;
    Instance* instance { nullptr };
    InstanceSnapshot* snapshot { nullptr };

    explicit Fixture(bool with_provider = true)
    {
        StoreConfig config;
        if (with_provider)
            config.memory_provider = &provider;
        store = std::make_unique<Store>(allocator, config);
        auto bytes = wasm::hosted::FileBytes::read(AZOTH_SNAPSHOT_MODULE);
        EXPECT_FALSE(bytes.is_error());
        auto created = Module::create(allocator, bytes.value().bytes());
        EXPECT_FALSE(created.is_error()) << (created.is_error() ? created.error().reason : "");
        module = std::make_unique<Module>(created.release_value());
        auto made = store->instantiate(*module, {});
        EXPECT_FALSE(made.is_error()) << (made.is_error() ? made.error().reason : "");
        instance = made.value();
        auto captured = InstanceSnapshot::capture(*store, *instance);
        EXPECT_FALSE(captured.is_error()) << (captured.is_error() ? captured.error().reason : "");
        snapshot = captured.value();
    }
    ~Fixture()
    {
        InstanceSnapshot::destroy(snapshot);
        store.reset();
    }

    Memory& memory() { return *instance->default_memory(); }

    std::vector<u64> call(const char* name, std::vector<u32> arguments = {}, usize result_count = 0)
    {
        auto found = instance->find_export(StringView(name, strlen(name)));
        EXPECT_TRUE(found.has_value()) << name;
        std::vector<Value> values;
        for (u32 argument : arguments)
            values.push_back(Value::from_i32(argument));
        std::vector<Value> results(result_count);
        auto outcome = store->invoke(*found->as_function(), Span<const Value>(values.data(), values.size()),
            Span<Value>(results.data(), results.size()));
        EXPECT_FALSE(outcome.is_error()) << name << ": " << (outcome.is_error() ? outcome.error().reason : "");
        std::vector<u64> out;
        for (auto& value : results)
            out.push_back(value.as_i32());
        return out;
    }
    ErrorOr try_call(const char* name, std::vector<u32> arguments)
    {
        auto found = instance->find_export(StringView(name, strlen(name)));
        std::vector<Value> values;
        for (u32 argument : arguments)
            values.push_back(Value::from_i32(argument));
        return store->invoke(*found->as_function(), Span<const Value>(values.data(), values.size()), {});
    }
    u32 load(u32 address) { return static_cast<u32>(call("load", { address }, 1)[0]); }
    std::string text(u64 offset, usize length)
    {
        std::string out(length, '\0');
        EXPECT_FALSE(memory().read(offset, Span<u8>(reinterpret_cast<u8*>(out.data()), length)).is_error());
        return out;
    }
    SnapshotRestoreStats restore()
    {
        SnapshotRestoreStats stats;
        auto restored = snapshot->restore(&stats);
        EXPECT_FALSE(restored.is_error()) << (restored.is_error() ? restored.error().reason : "");
        return stats;
    }
};

TEST(PrivacySnapshot, RestoreErasesWhatWasWrittenAfterTheSnapshot)
{
    Fixture f;
    ASSERT_TRUE(f.snapshot->tracks_writes());
    // A secret over the initialised bytes, in an untouched page and in the last page.
    const char secret[] = "SECRET-KEY-0123456789";
    ASSERT_FALSE(f.memory().write(0, ReadonlyBytes(reinterpret_cast<const u8*>(secret), sizeof(secret))).is_error());
    f.call("dirty", { 40, 3, 0xDEADBEEF });
    f.call("dirty", { 255, 1, 0x5EC12E7 });
    EXPECT_EQ(f.text(0, 6), "SECRET");
    EXPECT_EQ(f.load(40 * granule), 0xDEADBEEFu);

    auto stats = f.restore();
    EXPECT_EQ(stats.pages_restored, 5u); // page 0, pages 40-42, page 255
    EXPECT_EQ(stats.pages_released, 0u);
    EXPECT_TRUE(stats.tracked);
    EXPECT_EQ(f.text(0, 9), std::string("pristine\0", 9));
    EXPECT_EQ(f.text(65536, 16), "second wasm page");
    for (u32 page : { 40u, 41u, 42u, 255u })
        EXPECT_EQ(f.load(page * granule), 0u) << page;
    // No byte of the secret is left anywhere in the memory.
    std::string all = f.text(0, f.memory().size_in_bytes());
    EXPECT_EQ(all.find("SECRET"), std::string::npos);
}

TEST(PrivacySnapshot, RestoreCostFollowsTheDirtiedPagesNotTheMemorySize)
{
    Fixture f;
    u64 faults_before = ath::hosted::HostedLinearMemoryProvider::tracked_write_faults();
    // Reading every page dirties nothing.
    EXPECT_EQ(f.call("sum", { 0, 256 }, 1)[0], static_cast<u64>(0x73697270u + 0x6f636573u)); // "pris" + "seco"
    EXPECT_EQ(f.restore().pages_restored, 0u);
    // 16 pages written (several times each: one fault per page) -> 16 restored.
    for (int round = 0; round < 3; ++round)
        f.call("dirty", { 100, 16, 0x11111111u * static_cast<u32>(round + 1) });
    EXPECT_EQ(ath::hosted::HostedLinearMemoryProvider::tracked_write_faults() - faults_before, 16u);
    EXPECT_EQ(f.restore().pages_restored, 16u);
    // After a restore the pages are write-protected again: the next round faults and is logged.
    f.call("dirty", { 100, 16, 7 });
    EXPECT_EQ(ath::hosted::HostedLinearMemoryProvider::tracked_write_faults() - faults_before, 32u);
    EXPECT_EQ(f.restore().pages_restored, 16u);
    EXPECT_EQ(f.call("sum", { 100, 16 }, 1)[0], 0u);
    // Every page.
    f.call("dirty", { 0, 256, 9 });
    EXPECT_EQ(f.restore().pages_restored, 256u);
    EXPECT_EQ(f.text(0, 8), "pristine");
}

TEST(PrivacySnapshot, RestoreUndoesGrowthGlobalsTablesAndDroppedSegments)
{
    Fixture f;
    EXPECT_EQ(f.call("grow", { 2 }, 1)[0], 16u);
    f.call("dirty", { 256, 32, 0xAB }); // the grown pages
    f.call("bump");
    f.call("bump");
    f.call("clear_table");
    EXPECT_EQ(f.call("grow_table", {}, 1)[0], 2u);
    f.call("init_passive", { 200 });
    f.call("drop_passive");
    EXPECT_TRUE(f.try_call("init_passive", { 300 }).is_error()); // dropped: traps

    auto stats = f.restore();
    EXPECT_EQ(stats.pages_released, 32u);
    EXPECT_EQ(f.memory().page_count(), 16u);
    auto counter = f.instance->find_export("counter");
    ASSERT_TRUE(counter.has_value());
    EXPECT_EQ(counter->as_global()->get().as_i32(), 7u);
    auto table = f.instance->find_export("table");
    EXPECT_EQ(table->as_table()->size(), 2u);
    EXPECT_EQ(f.call("call_table", { 0 }, 1)[0], 1u);
    EXPECT_EQ(f.text(200, 7), std::string(7, '\0'));
    EXPECT_FALSE(f.try_call("init_passive", { 300 }).is_error()); // the segment is back
    EXPECT_EQ(f.text(300, 15), "passive segment");
    // The grown pages come back zeroed when the module grows again.
    f.restore();
    EXPECT_EQ(f.call("grow", { 2 }, 1)[0], 16u);
    EXPECT_EQ(f.call("sum", { 256, 32 }, 1)[0], 0u);
}

TEST(PrivacySnapshot, ManyResetsStayExact)
{
    Fixture f;
    for (u32 round = 1; round <= 2000; ++round) {
        u32 first = (round * 37) % 250;
        f.call("dirty", { first, 1 + round % 6, round });
        if (round % 7 == 0)
            f.call("grow", { 1 }, 1);
        auto stats = f.restore();
        ASSERT_EQ(stats.pages_restored, 1u + round % 6) << round;
        ASSERT_EQ(f.memory().page_count(), 16u);
        ASSERT_EQ(f.call("sum", { 0, 256 }, 1)[0], static_cast<u64>(0x73697270u + 0x6f636573u)) << round;
    }
}

TEST(PrivacySnapshot, AllocatorBackedMemoryIsRestoredWhole)
{
    Fixture f(/* with_provider */ false);
    EXPECT_FALSE(f.snapshot->tracks_writes());
    f.call("dirty", { 3, 1, 42 });
    f.call("grow", { 1 }, 1);
    auto stats = f.restore();
    EXPECT_FALSE(stats.tracked);
    EXPECT_EQ(stats.pages_restored, 256u);
    EXPECT_EQ(f.load(3 * granule), 0u);
    EXPECT_EQ(f.memory().page_count(), 16u);
    EXPECT_EQ(f.text(0, 8), "pristine");
}

TEST(PrivacySnapshot, DestroyingTheSnapshotLeavesTheMemoryWritable)
{
    Fixture f;
    InstanceSnapshot::destroy(f.snapshot);
    f.snapshot = nullptr;
    u64 faults = ath::hosted::HostedLinearMemoryProvider::tracked_write_faults();
    f.call("dirty", { 0, 256, 1 });
    EXPECT_EQ(ath::hosted::HostedLinearMemoryProvider::tracked_write_faults(), faults);
    EXPECT_EQ(f.load(0), 1u);
}

} // namespace
