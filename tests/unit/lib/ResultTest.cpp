#include <gtest/gtest.h>
#include <kernel/lib/Result.h>

using namespace ath;

namespace {

Result<int> parse_positive(int x)
{
    if (x <= 0)
        return Error::from(ErrorCode::InvalidArgument, "not positive");
    return x;
}

Result<int> doubled(int x)
{
    int v = TRY(parse_positive(x));
    return v * 2;
}

ErrorOr check(bool ok)
{
    if (!ok)
        return Error::at(ErrorCode::Malformed, 17, "bad byte");
    return {};
}

ErrorOr chain(bool ok)
{
    TRY(check(ok));
    return {};
}

struct MoveOnly {
    explicit MoveOnly(int v) : value(v) { }
    MoveOnly(MoveOnly&& other) : value(other.value) { other.value = -1; }
    MoveOnly(const MoveOnly&) = delete;
    int value;
};

} // namespace

TEST(Result, ValuePropagates)
{
    auto r = doubled(21);
    ASSERT_FALSE(r.is_error());
    EXPECT_EQ(r.value(), 42);
}

TEST(Result, ErrorPropagatesThroughTry)
{
    auto r = doubled(-1);
    ASSERT_TRUE(r.is_error());
    EXPECT_EQ(r.error().code, ErrorCode::InvalidArgument);
    EXPECT_STREQ(r.error().reason, "not positive");
    EXPECT_FALSE(r.error().has_offset());
}

TEST(Result, VoidResultCarriesOffset)
{
    EXPECT_FALSE(chain(true).is_error());
    auto r = chain(false);
    ASSERT_TRUE(r.is_error());
    EXPECT_EQ(r.error().code, ErrorCode::Malformed);
    EXPECT_EQ(r.error().offset, 17u);
}

TEST(Result, MoveOnlyValue)
{
    Result<MoveOnly> r = MoveOnly(5);
    MoveOnly taken = r.release_value();
    EXPECT_EQ(taken.value, 5);
}

TEST(Result, ValueOr)
{
    EXPECT_EQ(parse_positive(0).value_or(7), 7);
    EXPECT_EQ(parse_positive(3).value_or(7), 3);
}

TEST(ResultDeathTest, ValueOfErrorPanics)
{
    auto r = parse_positive(0);
    EXPECT_DEATH((void)r.value(), "VERIFY");
}

TEST(ResultDeathTest, ErrorOfValuePanics)
{
    auto r = parse_positive(1);
    EXPECT_DEATH((void)r.error(), "VERIFY");
}

TEST(Error, CodeNames)
{
    EXPECT_STREQ(error_code_name(ErrorCode::OutOfMemory), "out of memory");
    EXPECT_STREQ(error_code_name(ErrorCode::Exhausted), "exhausted");
}
