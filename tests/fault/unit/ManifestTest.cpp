// Module manifests (kernel/process/ModuleTable.h): accepted keys, defaults, and clear errors.
#include <gtest/gtest.h>

#include <kernel/process/ModuleTable.h>

using namespace ath;
using namespace ath::process;

TEST(Manifest, DefaultsWhenEmpty)
{
    auto manifest = ModuleTable::parse("hello", "", {});
    ASSERT_FALSE(manifest.is_error());
    EXPECT_TRUE(manifest.value().name_view() == "hello");
    EXPECT_TRUE(manifest.value().argument_line() == "hello");
    EXPECT_EQ(manifest.value().manifest.restart, RestartPolicy::Never);
    EXPECT_EQ(manifest.value().manifest.max_restarts, 10u);
    EXPECT_EQ(manifest.value().manifest.cpu_limit_ns, 0u);
    EXPECT_FALSE(manifest.value().manifest.supervisor);
    EXPECT_FALSE(manifest.value().manifest.precise_time); // coarse clocks unless asked for
}

TEST(Manifest, EveryKey)
{
    auto manifest = ModuleTable::parse("init",
        "# comment\n  args = init --backoff-ms 1  \nrestart = always\nmax-restarts = 1000\ncpu-limit-ms = 20 # watchdog\n"
        "priority = 2\ncapabilities = supervisor  console precise-time\n",
        {});
    ASSERT_FALSE(manifest.is_error());
    EXPECT_TRUE(manifest.value().argument_line() == "init --backoff-ms 1");
    EXPECT_EQ(manifest.value().manifest.restart, RestartPolicy::Always);
    EXPECT_EQ(manifest.value().manifest.max_restarts, 1000u);
    EXPECT_EQ(manifest.value().manifest.cpu_limit_ns, 20'000'000u);
    EXPECT_EQ(manifest.value().manifest.priority, 2);
    EXPECT_TRUE(manifest.value().manifest.supervisor);
    EXPECT_TRUE(manifest.value().manifest.console);
    EXPECT_TRUE(manifest.value().manifest.precise_time);
    EXPECT_FALSE(manifest.value().manifest.pci);
}

TEST(Manifest, ErrorsNameTheProblem)
{
    struct Case {
        const char* text;
        const char* reason;
    } cases[] = {
        { "restart = sometimes", "manifest: restart must be never, on-failure or always" },
        { "colour = blue", "manifest: unknown key" },
        { "priority = 8", "manifest: number out of range" },
        { "max-restarts = -1", "manifest: number out of range" },
        { "cpu-limit-ms = 99999999999999999999", "manifest: number out of range" },
        { "capabilities = console root", "manifest: unknown capability" },
        { "just words", "manifest: a line without '='" },
    };
    for (auto& c : cases) {
        auto manifest = ModuleTable::parse("m", c.text, {});
        ASSERT_TRUE(manifest.is_error()) << c.text;
        EXPECT_STREQ(manifest.error().reason, c.reason) << c.text;
    }
    EXPECT_TRUE(ModuleTable::parse("", "", {}).is_error());
    EXPECT_TRUE(ModuleTable::parse("a-name-that-is-far-too-long-for-the-table-x", "", {}).is_error());
}
