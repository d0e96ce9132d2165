#include <gtest/gtest.h>

#include <stdio.h>
#include <unistd.h>

#include <tests/spec/host/ExpectedFailures.h>
#include <tests/spec/host/Process.h>

using namespace ath::spec::host;

namespace {

std::string temporary_path(const char* name) { return std::string("/tmp/spec-expected-") + std::to_string(getpid()) + "-" + name; }

} // namespace

TEST(SpecExpectedFailures, KeysNameTheFileLineAndOrdinal)
{
    EXPECT_EQ(failure_key("address", 12, 1), "address:12");
    EXPECT_EQ(failure_key("left-to-right", 181, 2), "left-to-right:181.2");
    EXPECT_EQ(file_of_key("left-to-right:181.2"), "left-to-right");
    EXPECT_EQ(file_of_key("simd_i8x16_arith2:9"), "simd_i8x16_arith2");
}

TEST(SpecExpectedFailures, FormattedListLoadsBackWithoutItsComments)
{
    std::map<std::string, std::vector<Failure>> failures;
    failures["binary"] = { { "binary:1817", 1817, "assert_malformed: rejected as invalid # not a comment start\nsecond line" } };
    failures["i32"] = {};
    failures["left-to-right"] = { { "left-to-right:181", 181, "a" }, { "left-to-right:181.2", 181, "b" } };
    std::string path = temporary_path("roundtrip");
    ASSERT_TRUE(write_file(path, format_expected_failures(failures)));
    ExpectedFailures list;
    std::string error;
    ASSERT_TRUE(ExpectedFailures::load(path, list, error)) << error;
    EXPECT_EQ(list.keys, (std::set<std::string> { "binary:1817", "left-to-right:181", "left-to-right:181.2" }));
    EXPECT_EQ(list.keys_of("left-to-right").size(), 2u);
    EXPECT_TRUE(list.keys_of("i32").empty());
    unlink(path.c_str());
}

TEST(SpecExpectedFailures, RejectsLinesThatAreNotKeys)
{
    std::string path = temporary_path("bad");
    ASSERT_TRUE(write_file(path, "# fine\nbinary:12\nnot a key\n"));
    ExpectedFailures list;
    std::string error;
    EXPECT_FALSE(ExpectedFailures::load(path, list, error));
    EXPECT_NE(error.find(":3:"), std::string::npos) << error;
    EXPECT_FALSE(ExpectedFailures::load(temporary_path("missing"), list, error));
    unlink(path.c_str());
}
