// Path confinement of the hosted FileSystem (kernel/platform/hosted/HostedFileSystem.h): nothing a
// module names — `..`, absolute paths, symbolic links inside pointing out, over-long names, NUL
// bytes — reaches or changes anything outside the directory it was given.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include <kernel/platform/hosted/HostedFileSystem.h>

using namespace ath;
using sys::Errno;

namespace {

// base/
//   outside.txt            "secret"
//   outside_dir/
//   root/                  the directory the file system is given
//     inside.txt           "inside"
//     sub/
//     escape      -> ../outside.txt
//     absolute    -> BASE/outside.txt
//     escape_dir  -> ../outside_dir
//     loop        -> loop
class ConfinementTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        char pattern[] = "/tmp/azoth-confinement-XXXXXX";
        ASSERT_NE(mkdtemp(pattern), nullptr);
        base = pattern;
        write_file(base + "/outside.txt", "secret");
        ASSERT_EQ(mkdir((base + "/outside_dir").c_str(), 0755), 0);
        ASSERT_EQ(mkdir((base + "/root").c_str(), 0755), 0);
        write_file(base + "/root/inside.txt", "inside");
        ASSERT_EQ(mkdir((base + "/root/sub").c_str(), 0755), 0);
        ASSERT_EQ(symlink("../outside.txt", (base + "/root/escape").c_str()), 0);
        ASSERT_EQ(symlink((base + "/outside.txt").c_str(), (base + "/root/absolute").c_str()), 0);
        ASSERT_EQ(symlink("../outside_dir", (base + "/root/escape_dir").c_str()), 0);
        ASSERT_EQ(symlink("loop", (base + "/root/loop").c_str()), 0);
        ASSERT_EQ(hosted::HostedFileSystem::open_directory((base + "/root").c_str(), root), Errno::Success);
        struct stat status {};
        ASSERT_EQ(stat((base + "/outside_dir").c_str(), &status), 0);
        outside_dir_mtime = status.st_mtim;
    }

    void TearDown() override
    {
        files.close(root);
        std::string command = "rm -rf '" + base + "'";
        ASSERT_EQ(system(command.c_str()), 0);
    }

    static void write_file(const std::string& path, const char* text)
    {
        int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ASSERT_GE(fd, 0);
        ASSERT_EQ(write(fd, text, strlen(text)), static_cast<ssize_t>(strlen(text)));
        close(fd);
    }

    bool exists(const std::string& relative) const
    {
        struct stat status {};
        return lstat((base + "/" + relative).c_str(), &status) == 0;
    }

    // The outside is exactly as SetUp left it.
    void expect_outside_untouched() const
    {
        int fd = open((base + "/outside.txt").c_str(), O_RDONLY);
        ASSERT_GE(fd, 0);
        char text[32] {};
        EXPECT_EQ(read(fd, text, sizeof(text)), 6);
        close(fd);
        EXPECT_STREQ(text, "secret");
        struct stat status {};
        ASSERT_EQ(stat((base + "/outside_dir").c_str(), &status), 0);
        EXPECT_EQ(status.st_nlink, 2u) << "something was created in outside_dir";
        EXPECT_EQ(status.st_mtim.tv_sec, outside_dir_mtime.tv_sec);
        EXPECT_EQ(status.st_mtim.tv_nsec, outside_dir_mtime.tv_nsec);
        ASSERT_EQ(stat(base.c_str(), &status), 0);
        EXPECT_FALSE(exists("made"));
        EXPECT_FALSE(exists("moved"));
        EXPECT_FALSE(exists("linked"));
    }

    Errno open_path(StringView path, bool follow, bool create = false, bool write = false)
    {
        sys::OpenRequest request;
        request.follow_symlinks = follow;
        request.create = create;
        request.read = true;
        request.write = write;
        sys::OpenedNode opened;
        Errno status = files.open_at(root, path, request, opened);
        if (status == Errno::Success)
            files.close(opened.node);
        return status;
    }

    hosted::HostedFileSystem files;
    sys::FileNode root { 0 };
    std::string base;
    timespec outside_dir_mtime {};
};

TEST_F(ConfinementTest, PathsInsideOpen)
{
    EXPECT_EQ(open_path("inside.txt", false), Errno::Success);
    EXPECT_EQ(open_path("sub/../inside.txt", false), Errno::Success);
    EXPECT_EQ(open_path("./sub/./../inside.txt", false), Errno::Success);
    EXPECT_EQ(open_path(".", false), Errno::Success);
}

TEST_F(ConfinementTest, DotDotAndAbsolutePathsCannotLeave)
{
    EXPECT_EQ(open_path("..", false), Errno::NotCapable);
    EXPECT_EQ(open_path("../outside.txt", false), Errno::NotCapable);
    EXPECT_EQ(open_path("sub/../../outside.txt", false), Errno::NotCapable);
    std::string absolute = base + "/outside.txt";
    EXPECT_EQ(open_path(StringView(absolute.c_str()), true), Errno::NotCapable);
    EXPECT_EQ(open_path("/", true), Errno::NotCapable);
    EXPECT_EQ(open_path("../made", false, true, true), Errno::NotCapable);
    expect_outside_untouched();
}

TEST_F(ConfinementTest, SymbolicLinksCannotLeave)
{
    EXPECT_EQ(open_path("escape", true), Errno::NotCapable);
    EXPECT_EQ(open_path("absolute", true), Errno::NotCapable);
    EXPECT_EQ(open_path("escape_dir/new", true, true, true), Errno::NotCapable);
    EXPECT_EQ(open_path("escape", true, true, true), Errno::NotCapable);
    // Not following: the link itself is refused (ELOOP), never its target.
    EXPECT_EQ(open_path("escape", false), Errno::Loop);
    EXPECT_EQ(open_path("loop", true), Errno::Loop);
    expect_outside_untouched();
}

TEST_F(ConfinementTest, NameOperationsCannotLeave)
{
    EXPECT_EQ(files.create_directory(root, "../made"), Errno::NotCapable);
    EXPECT_EQ(files.create_directory(root, "escape_dir/made"), Errno::NotCapable);
    EXPECT_EQ(files.unlink_file(root, "../outside.txt"), Errno::NotCapable);
    EXPECT_EQ(files.unlink_file(root, "escape_dir/../outside.txt"), Errno::NotCapable);
    EXPECT_EQ(files.remove_directory(root, "../outside_dir"), Errno::NotCapable);
    EXPECT_EQ(files.remove_directory(root, "escape_dir/."), Errno::NotCapable);
    EXPECT_EQ(files.rename(root, "inside.txt", root, "../moved"), Errno::NotCapable);
    EXPECT_EQ(files.rename(root, "../outside.txt", root, "stolen"), Errno::NotCapable);
    EXPECT_EQ(files.link(root, "inside.txt", false, root, "../linked"), Errno::NotCapable);
    EXPECT_EQ(files.link(root, "escape", true, root, "stolen"), Errno::NotCapable);
    EXPECT_EQ(files.symlink("inside.txt", root, "escape_dir/link"), Errno::NotCapable);
    EXPECT_FALSE(exists("root/stolen"));
    EXPECT_TRUE(exists("root/inside.txt"));
    expect_outside_untouched();
}

TEST_F(ConfinementTest, StatAndTimesCannotReachAbove)
{
    sys::FileStat stat;
    EXPECT_EQ(files.stat_at(root, "..", false, stat), Errno::NotCapable);
    EXPECT_EQ(files.stat_at(root, "escape", true, stat), Errno::NotCapable);
    EXPECT_EQ(files.stat_at(root, "escape", false, stat), Errno::Success);
    EXPECT_EQ(stat.type, sys::FileType::SymbolicLink);
    sys::TimeUpdate times { 0, 0, sys::fstflag_atim | sys::fstflag_mtim };
    EXPECT_EQ(files.set_times_at(root, "escape_dir", true, times), Errno::NotCapable);
    EXPECT_EQ(files.set_times_at(root, "..", false, times), Errno::NotCapable);
    EXPECT_EQ(files.set_times_at(root, "sub/../..", false, times), Errno::NotCapable);
    expect_outside_untouched();
}

TEST_F(ConfinementTest, ReadingALinkGivesItsTextOnly)
{
    u8 buffer[64];
    usize length = 0;
    EXPECT_EQ(files.read_link(root, "escape", Bytes(buffer, sizeof(buffer)), length), Errno::Success);
    EXPECT_EQ(StringView(reinterpret_cast<const char*>(buffer), length), StringView("../outside.txt"));
    EXPECT_EQ(files.read_link(root, "inside.txt", Bytes(buffer, sizeof(buffer)), length), Errno::Invalid);
    EXPECT_EQ(files.read_link(root, "../outside.txt", Bytes(buffer, sizeof(buffer)), length), Errno::NotCapable);
}

TEST_F(ConfinementTest, OverLongNamesAndNulBytesAreRefused)
{
    std::string component(300, 'a');
    EXPECT_EQ(open_path(StringView(component.c_str()), false, true, true), Errno::NameTooLong);
    std::string path;
    while (path.size() < 5000)
        path += "sub/";
    EXPECT_EQ(open_path(StringView(path.c_str()), false), Errno::NameTooLong);
    EXPECT_EQ(files.create_directory(root, StringView(path.c_str())), Errno::NameTooLong);
    char with_nul[] = { 'i', 'n', 's', 0, '.', '.' };
    EXPECT_EQ(open_path(StringView(with_nul, sizeof(with_nul)), false), Errno::Invalid);
    EXPECT_EQ(files.unlink_file(root, StringView(with_nul, sizeof(with_nul))), Errno::Invalid);
    EXPECT_TRUE(exists("root/inside.txt"));
}

TEST_F(ConfinementTest, EmptyPathIsNoEntry)
{
    EXPECT_EQ(open_path("", false), Errno::NoEntry);
    EXPECT_EQ(files.unlink_file(root, ""), Errno::NoEntry);
}

} // namespace
