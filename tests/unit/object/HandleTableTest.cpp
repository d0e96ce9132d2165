#include "ObjectTestSupport.h"

#include <gtest/gtest.h>
#include <kernel/object/Endpoint.h>
#include <kernel/object/Event.h>
#include <kernel/object/HandleTable.h>

using namespace ath;
using namespace ath::object;

namespace {

// `result` is the error `code`.
template<typename T>
void expect_error(const Result<T>& result, ErrorCode code)
{
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.error().code, code);
}

struct HandleTableTest : ::testing::Test, test_support::ObjectWorld {
    RefPtr<Event> make_event() { return Event::create(allocator, waiting).release_value(); }
};

TEST_F(HandleTableTest, InstallAndLookupChecksTypeAndRights)
{
    HandleTable table(space);
    auto event = make_event();
    Handle handle = table.install(*event, Rights::Read | Rights::Write).release_value();
    EXPECT_NE(handle, invalid_handle);
    EXPECT_EQ(event->reference_count(), 2u);

    auto found = table.lookup<Event>(handle, Rights::Read);
    ASSERT_FALSE(found.is_error());
    EXPECT_EQ(found.value().object.get(), event.get());
    EXPECT_EQ(found.value().rights, Rights::Read | Rights::Write);

    expect_error(table.lookup<Event>(handle, Rights::Map), ErrorCode::PermissionDenied);

    expect_error(table.lookup<Region>(handle, Rights::None), ErrorCode::BadHandle);
}

TEST_F(HandleTableTest, ForgedAndStaleHandlesAreBadHandle)
{
    HandleTable table(space);
    auto event = make_event();
    Handle handle = table.install(*event, Rights::All).release_value();

    for (Handle forged : { Handle(0), Handle(1), handle + 1, handle ^ (1u << HandleTable::index_bits), Handle(0x7FFFFFFF),
             Handle(0xFFFFFFFF), Handle(HandleTable::capacity) }) {
        auto result = table.lookup<Event>(forged, Rights::None);
        ASSERT_TRUE(result.is_error()) << forged;
        EXPECT_EQ(result.error().code, ErrorCode::BadHandle);
    }

    ASSERT_FALSE(table.close(handle).is_error());
    expect_error(table.lookup<Event>(handle, Rights::None), ErrorCode::BadHandle);
    EXPECT_EQ(table.close(handle).error().code, ErrorCode::BadHandle);

    // The slot is reused with a new generation: the old number still fails.
    Handle again = table.install(*event, Rights::All).release_value();
    EXPECT_NE(again, handle);
    EXPECT_TRUE(table.lookup<Event>(handle, Rights::None).is_error());
    EXPECT_FALSE(table.lookup<Event>(again, Rights::None).is_error());
}

TEST_F(HandleTableTest, AnotherTablesHandleMeansNothingHere)
{
    HandleTable mine(space), theirs(space);
    auto event = make_event();
    Handle their_handle = theirs.install(*event, Rights::All).release_value();
    expect_error(mine.lookup<Event>(their_handle, Rights::None), ErrorCode::BadHandle);
}

TEST_F(HandleTableTest, FullTableIsExhaustedAndUnchanged)
{
    HandleTable table(space);
    auto event = make_event();
    for (u32 i = 0; i < HandleTable::capacity; ++i)
        ASSERT_FALSE(table.install(*event, Rights::Read).is_error());
    expect_error(table.install(*event, Rights::Read), ErrorCode::Exhausted);
    EXPECT_EQ(table.live_count(), HandleTable::capacity);
    table.close_all();
    EXPECT_EQ(table.live_count(), 0u);
    EXPECT_EQ(event->reference_count(), 1u);
}

TEST_F(HandleTableTest, DeriveNarrowsAndNeedsTheRight)
{
    HandleTable table(space);
    auto event = make_event();
    Handle full = table.install(*event, Rights::Read | Rights::Write | Rights::Derive).release_value();
    Handle read_only = table.derive(full, Rights::Read).release_value();
    EXPECT_EQ(table.rights_of(read_only).value(), Rights::Read);

    expect_error(table.derive(full, Rights::Read | Rights::Call), ErrorCode::PermissionDenied);

    expect_error(table.derive(read_only, Rights::Read), ErrorCode::PermissionDenied);

    auto unknown_bits = table.derive(full, static_cast<Rights>(1u << 20));
    ASSERT_TRUE(unknown_bits.is_error());
}

TEST_F(HandleTableTest, TransferCopyAndMoveNeedTransfer)
{
    HandleTable a(space), b(space);
    auto event = make_event();
    Handle no_transfer = a.install(*event, Rights::Read).release_value();
    expect_error(a.transfer(no_transfer, b, Rights::All, TransferMode::Copy), ErrorCode::PermissionDenied);
    EXPECT_EQ(b.live_count(), 0u);

    Handle source = a.install(*event, Rights::Read | Rights::Write | Rights::Transfer).release_value();
    Handle copy = a.transfer(source, b, Rights::Read, TransferMode::Copy).release_value();
    EXPECT_EQ(b.rights_of(copy).value(), Rights::Read);
    EXPECT_FALSE(a.lookup<Event>(source, Rights::Write).is_error()); // copy leaves the source

    Handle moved = a.transfer(source, b, Rights::All, TransferMode::Move).release_value();
    EXPECT_TRUE(a.lookup<Event>(source, Rights::None).is_error()); // move empties the source slot
    EXPECT_EQ(b.rights_of(moved).value(), Rights::Read | Rights::Write | Rights::Transfer);
    EXPECT_EQ(a.live_count(), 1u);
    EXPECT_EQ(b.live_count(), 2u);
}

TEST_F(HandleTableTest, RevokeTakesTheWholeTreeAcrossTables)
{
    HandleTable owner(space), app(space), third(space);
    auto event = make_event();
    Handle root = owner.install(*event, Rights::All).release_value();
    Handle lease = owner.derive(root, Rights::Read | Rights::Transfer | Rights::Derive | Rights::Revoke).release_value();
    Handle in_app = owner.transfer(lease, app, Rights::Read | Rights::Transfer | Rights::Derive, TransferMode::Copy).release_value();
    Handle app_derived = app.derive(in_app, Rights::Read | Rights::Transfer).release_value();
    Handle in_third = app.transfer(app_derived, third, Rights::Read, TransferMode::Copy).release_value();
    Handle sibling = owner.derive(root, Rights::Read).release_value();

    // The app cannot revoke: it was not given the right.
    expect_error(app.revoke(in_app), ErrorCode::PermissionDenied);

    EXPECT_EQ(owner.revoke(lease).value(), 4u);
    EXPECT_TRUE(owner.lookup<Event>(lease, Rights::None).is_error());
    EXPECT_EQ(app.lookup<Event>(in_app, Rights::None).error().code, ErrorCode::BadHandle);
    EXPECT_EQ(app.lookup<Event>(app_derived, Rights::None).error().code, ErrorCode::BadHandle);
    EXPECT_EQ(third.lookup<Event>(in_third, Rights::None).error().code, ErrorCode::BadHandle);
    EXPECT_FALSE(owner.lookup<Event>(root, Rights::None).is_error());
    EXPECT_FALSE(owner.lookup<Event>(sibling, Rights::None).is_error());
    EXPECT_EQ(app.live_count() + third.live_count(), 0u);
    EXPECT_EQ(event->reference_count(), 3u); // test + root + sibling
}

TEST_F(HandleTableTest, ClosingAMiddleHandleKeepsDescendantsRevocable)
{
    HandleTable owner(space), app(space);
    auto event = make_event();
    Handle root = owner.install(*event, Rights::All).release_value();
    Handle middle = owner.derive(root, Rights::All).release_value();
    Handle leaf = owner.transfer(middle, app, Rights::Read, TransferMode::Copy).release_value();
    ASSERT_FALSE(owner.close(middle).is_error());
    EXPECT_FALSE(app.lookup<Event>(leaf, Rights::Read).is_error());
    EXPECT_EQ(owner.revoke(root).value(), 2u);
    EXPECT_TRUE(app.lookup<Event>(leaf, Rights::Read).is_error());
}

TEST_F(HandleTableTest, MovedHandleKeepsItsPlaceInTheTree)
{
    HandleTable owner(space), app(space);
    auto event = make_event();
    Handle root = owner.install(*event, Rights::All).release_value();
    Handle child = owner.derive(root, Rights::Read | Rights::Transfer | Rights::Derive).release_value();
    Handle grandchild = owner.derive(child, Rights::Read).release_value();
    Handle moved = owner.transfer(child, app, Rights::All, TransferMode::Move).release_value();
    EXPECT_EQ(owner.revoke(root).value(), 3u);
    EXPECT_TRUE(app.lookup<Event>(moved, Rights::None).is_error());
    EXPECT_TRUE(owner.lookup<Event>(grandchild, Rights::None).is_error());
}

TEST_F(HandleTableTest, RevokedSlotsDoNotResurrectOldNumbers)
{
    HandleTable table(space);
    auto event = make_event();
    Handle root = table.install(*event, Rights::All).release_value();
    Handle child = table.derive(root, Rights::Read).release_value();
    (void)table.revoke(root).release_value();
    for (int i = 0; i < 8; ++i) {
        Handle fresh = table.install(*event, Rights::Read).release_value();
        EXPECT_NE(fresh, root);
        EXPECT_NE(fresh, child);
    }
    EXPECT_TRUE(table.lookup<Event>(root, Rights::None).is_error());
    EXPECT_TRUE(table.lookup<Event>(child, Rights::None).is_error());
}

TEST_F(HandleTableTest, ObjectsAreFreedWhenTheLastHandleGoes)
{
    {
        HandleTable table(space);
        auto event = make_event();
        Handle handle = table.install(*event, Rights::All).release_value();
        event = nullptr;
        EXPECT_EQ(allocator.live, 1);
        ASSERT_FALSE(table.close(handle).is_error());
        EXPECT_EQ(allocator.live, 0);
    }
}

TEST_F(HandleTableTest, ProcessHoldingAHandleToItselfIsFreedOnTerminate)
{
    auto process = ProcessObject::create(allocator, space, "self").release_value();
    ASSERT_FALSE(process->handles().install(*process, Rights::All).is_error());
    process->terminate(); // closes its own handle while the space lock is held: no deadlock
    EXPECT_EQ(process->reference_count(), 1u);
    process = nullptr;
    EXPECT_EQ(allocator.live, 0);
}

TEST(Rights, SubsetLogic)
{
    EXPECT_TRUE(is_subset(Rights::Read, Rights::Read | Rights::Write));
    EXPECT_FALSE(is_subset(Rights::Read | Rights::Map, Rights::Read));
    EXPECT_TRUE(is_known(Rights::All));
    EXPECT_FALSE(is_known(static_cast<Rights>(1u << 7)));
}

} // namespace

namespace {

// Class 6 of the hardening issue: a peer that makes a server's table install and drop handles
// over and over (transfers it then revokes, calls with a handle) cannot retire the server's slots
// for good. Each new handle goes to the free slot whose number was used least, so all slots age
// together, and a generation wraps (to 1) instead of retiring the slot: a number comes back only
// after every free slot of the table went round 2^21 generations, and it can only ever name
// something the same table holds.
TEST_F(HandleTableTest, BurningGenerationsNeverRetiresSlots)
{
    // The worst case: one free slot, churned through more than all its generations (before: the
    // slot was retired after max_generation rounds and the table lost it until the process ended).
    HandleTable table(space);
    auto event = make_event();
    Handle kept[HandleTable::capacity - 1];
    for (auto& handle : kept)
        handle = table.install(*event, Rights::All).release_value();
    Handle first = 0;
    for (u64 i = 0; i <= HandleTable::max_generation + 1; ++i) {
        auto handle = table.install(*event, Rights::Read);
        ASSERT_FALSE(handle.is_error()) << "install failed after " << i << " rounds: " << handle.error().reason;
        if (i == 0)
            first = handle.value();
        else if (i < HandleTable::max_generation)
            ASSERT_NE(handle.value(), first) << "a closed number came back after " << i << " rounds";
        ASSERT_FALSE(table.close(handle.value()).is_error());
    }
    for (Handle handle : kept)
        EXPECT_FALSE(table.lookup<Event>(handle, Rights::Read).is_error());
    EXPECT_FALSE(table.install(*event, Rights::Read).is_error()); // the slot still works
}

TEST_F(HandleTableTest, AClosedSlotIsReusedLast)
{
    // Least-recently-freed allocation: after a close, every other free slot is used before the
    // closed one, so churn ages all slots alike (before: the lowest free slot was always reused).
    HandleTable table(space);
    auto event = make_event();
    constexpr u32 index_mask = (1u << HandleTable::index_bits) - 1;
    Handle first = table.install(*event, Rights::All).release_value();
    ASSERT_FALSE(table.close(first).is_error());
    for (u32 i = 0; i < HandleTable::capacity - 1; ++i) {
        Handle handle = table.install(*event, Rights::Read).release_value(); // kept: fills the table
        ASSERT_NE(handle & index_mask, first & index_mask) << "the closed slot was reused after " << i << " installs";
    }
    Handle last = table.install(*event, Rights::Read).release_value();
    EXPECT_EQ(last & index_mask, first & index_mask);
    EXPECT_NE(last, first); // with a new generation
}

} // namespace
