// The FAT library (storage/fat) on images made by mkfs.fat: names, timestamps, files and
// directories on FAT12/16/32, allocation, partitions, and fsck.fat -n accepting what we wrote.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "VolumeHelpers.h"

using namespace ath;
using namespace ath::fat;
using namespace ath::fat::testing;

namespace {

LongName name_of(const char* text)
{
    LongName name;
    EXPECT_EQ(long_name_from_utf8(StringView(text), name), Errno::Success);
    return name;
}

std::string short_text(const ShortName& name) { return std::string(reinterpret_cast<const char*>(name.bytes), 11); }

} // namespace

TEST(FatNames, ExactShortNamesKeepTheirCaseInTheCaseBits)
{
    ShortName out;
    EXPECT_TRUE(short_name_exactly(name_of("README.TXT"), out));
    EXPECT_EQ(short_text(out), "README  TXT");
    EXPECT_EQ(out.case_flags, 0);
    EXPECT_TRUE(short_name_exactly(name_of("readme.txt"), out));
    EXPECT_EQ(out.case_flags, entry::lower_base | entry::lower_extension);
    EXPECT_TRUE(short_name_exactly(name_of("Makefile"), out) == false);
    EXPECT_FALSE(short_name_exactly(name_of("ReadMe.txt"), out));
    EXPECT_FALSE(short_name_exactly(name_of("a.b.c"), out));
    EXPECT_FALSE(short_name_exactly(name_of("ninechars.txt"), out));
    EXPECT_FALSE(short_name_exactly(name_of("a.text"), out));
    EXPECT_FALSE(short_name_exactly(name_of("a b"), out));
    EXPECT_FALSE(short_name_exactly(name_of("a+b"), out));
}

TEST(FatNames, GeneratedShortNamesHaveATail)
{
    ShortName basis;
    short_name_basis(name_of("long file name.text"), basis);
    EXPECT_EQ(short_text(with_tail(basis, 1)), "LONGFI~1TEX");
    EXPECT_EQ(short_text(with_tail(basis, 12345)), "LO~12345TEX");
    short_name_basis(name_of(".hidden"), basis);
    EXPECT_EQ(short_text(with_tail(basis, 2)), "HIDDEN~2   ");
    short_name_basis(name_of("a+b=c[1].tar.gz"), basis);
    EXPECT_EQ(short_text(with_tail(basis, 1)), "A_B_C_~1GZ ");
    short_name_basis(name_of("\xc3\xa9t\xc3\xa9"), basis);
    EXPECT_EQ(short_text(with_tail(basis, 1)), "_T_~1      ");
}

TEST(FatNames, Utf8AndUtf16RoundTrip)
{
    LongName name = name_of("caf\xc3\xa9 \xf0\x9f\x98\x80.txt");
    EXPECT_EQ(name.length, 4u + 1 + 2 + 4);
    EXPECT_EQ(name.units[3], 0xE9);
    EXPECT_EQ(name.units[5], 0xD83D);
    EXPECT_EQ(name.units[6], 0xDE00);
    char text[max_utf8_name];
    usize length = utf8_from_long_name(name, Span<char>(text, sizeof(text)));
    EXPECT_EQ(std::string(text, length), "caf\xc3\xa9 \xf0\x9f\x98\x80.txt");
    LongName bad;
    EXPECT_EQ(long_name_from_utf8(StringView("\xc3"), bad), Errno::IllegalSequence);
    EXPECT_EQ(long_name_from_utf8(StringView("\xc0\xaf"), bad), Errno::IllegalSequence); // overlong '/'
    EXPECT_EQ(long_name_from_utf8(StringView("\xed\xa0\x80"), bad), Errno::IllegalSequence); // a surrogate
    std::string long_text(256, 'x');
    EXPECT_EQ(long_name_from_utf8(StringView(long_text.c_str()), bad), Errno::NameTooLong);
    EXPECT_TRUE(equal_ignoring_case(name_of("Caf\xc3\x89"), name_of("cAF\xc3\xa9")));
    EXPECT_EQ(check_new_name(name_of("a:b")), Errno::Invalid);
    EXPECT_EQ(check_new_name(name_of("trailing.")), Errno::Invalid);
    EXPECT_EQ(check_new_name(name_of("..")), Errno::Invalid);
    EXPECT_EQ(check_new_name(name_of("fine name.txt")), Errno::Success);
}

TEST(FatTime, DatesConvertBothWays)
{
    EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
    EXPECT_EQ(days_from_civil(2000, 3, 1) - days_from_civil(2000, 2, 28), 2);
    EXPECT_EQ(days_from_civil(2100, 3, 1) - days_from_civil(2100, 2, 28), 1);
    u64 when = 1'700'000'001ull * nanoseconds_per_second + 370'000'000ull; // 2023-11-14T22:13:21.37Z
    FatTimestamp stamp = fat_from_ns(when);
    EXPECT_EQ(stamp.date, ((2023 - 1980) << 9) | (11 << 5) | 14);
    EXPECT_EQ(stamp.time, (22 << 11) | (13 << 5) | 10);
    EXPECT_EQ(stamp.tenths, 137);
    EXPECT_EQ(ns_from_fat(stamp.date, stamp.time, stamp.tenths), when);
    EXPECT_EQ(ns_from_fat(stamp.date, stamp.time, 0), when - 1'370'000'000ull);
    EXPECT_EQ(fat_from_ns(0).date, (1 << 5) | 1); // before 1980: clamped to its first day
    EXPECT_EQ(ns_from_fat(0xFFFF, 0xFFFF, 0xFF) > 0, true); // garbage fields are clamped, not trusted
}

struct Format {
    const char* name;
    const char* options;
    u32 kilobytes;
    FatType type;
};

class FatFormats : public ::testing::TestWithParam<Format> { };

TEST_P(FatFormats, FilesAndDirectoriesSurviveARemountAndPassFsck)
{
    ScratchDirectory scratch;
    auto image = mkfs_image(scratch, GetParam().options, GetParam().kilobytes);
    ASSERT_FALSE(image.empty());
    auto m = Mounted::mount(image);
    ASSERT_EQ(m.status, Errno::Success);
    EXPECT_EQ(m->type(), GetParam().type);
    EXPECT_FALSE(m->is_read_only());
    u32 free_before = m->free_clusters();

    auto big = pattern(50'000, 1);
    ASSERT_EQ(m->create_directory(root_node, view("Sub Directory")), Errno::Success);
    ASSERT_EQ(m->create_directory(root_node, view("Sub Directory/nested")), Errno::Success);
    ASSERT_EQ(write_whole(*m, "README.TXT", pattern(10, 2)), Errno::Success);
    ASSERT_EQ(write_whole(*m, "lower.txt", pattern(700, 3)), Errno::Success);
    ASSERT_EQ(write_whole(*m, "Sub Directory/nested/A long file name with spaces.data", big), Errno::Success);
    ASSERT_EQ(write_whole(*m, "Sub Directory/caf\xc3\xa9.txt", pattern(1, 4)), Errno::Success);
    ASSERT_EQ(write_whole(*m, "empty", {}), Errno::Success);
    ASSERT_EQ(m->sync(), Errno::Success);
    EXPECT_LT(m->free_clusters(), free_before);

    auto again = Mounted::mount(m.device->image());
    ASSERT_EQ(again.status, Errno::Success);
    std::vector<u8> data;
    ASSERT_EQ(read_whole(*again, "sub directory/NESTED/a long FILE name with spaces.data", data), Errno::Success);
    EXPECT_EQ(data, big);
    ASSERT_EQ(read_whole(*again, "readme.txt", data), Errno::Success);
    EXPECT_EQ(data, pattern(10, 2));
    ASSERT_EQ(read_whole(*again, "Sub Directory/caf\xc3\xa9.txt", data), Errno::Success);
    EXPECT_EQ(data, pattern(1, 4));
    std::vector<std::string> names;
    ASSERT_EQ(list(*again, ".", names), Errno::Success);
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names, (std::vector<std::string> { "README.TXT", "Sub Directory", "empty", "lower.txt" }));
    EXPECT_EQ(again->free_clusters(), m->free_clusters());

    std::string report;
    EXPECT_EQ(fsck(scratch, m.device->image(), report), 0) << report;
}

INSTANTIATE_TEST_SUITE_P(Types, FatFormats,
    ::testing::Values(Format { "fat12", "-F 12", 1440, FatType::Fat12 }, Format { "fat16", "-F 16", 16 * 1024, FatType::Fat16 },
        Format { "fat32", "-F 32 -s 1", 34 * 1024, FatType::Fat32 }, Format { "fat32_4k", "-F 32 -S 4096 -s 1", 300 * 1024, FatType::Fat32 }),
    [](const auto& info) { return std::string(info.param.name); });

class FatVolume : public ::testing::Test {
protected:
    void SetUp() override
    {
        image = mkfs_image(scratch, "-F 32 -s 1", 34 * 1024);
        ASSERT_FALSE(image.empty());
        m = Mounted::mount(image);
        ASSERT_EQ(m.status, Errno::Success);
    }
    void expect_fsck_clean()
    {
        ASSERT_EQ(m->sync(), Errno::Success);
        std::string report;
        EXPECT_EQ(fsck(scratch, m.device->image(), report), 0) << report;
    }
    ScratchDirectory scratch;
    std::vector<u8> image;
    Mounted m;
};

TEST_F(FatVolume, AFileWrittenOnAnEmptyVolumeIsContiguous)
{
    ASSERT_EQ(write_whole(*m, "a", pattern(3000, 1)), Errno::Success);
    NodeId node;
    OpenOptions options;
    options.write = true;
    ASSERT_EQ(m->open(root_node, view("a"), options, node), Errno::Success);
    // Grown in small appends, with another file allocated in between.
    for (u32 i = 0; i < 40; ++i) {
        usize done;
        auto piece = pattern(700, i);
        ASSERT_EQ(m->write(node, 3000 + i * 700, ReadonlyBytes(piece.data(), piece.size()), done), Errno::Success);
        if (i == 20)
            ASSERT_EQ(write_whole(*m, "b", pattern(100, 9)), Errno::Success);
    }
    u32 runs;
    ASSERT_EQ(m->fragments(node, runs), Errno::Success);
    EXPECT_LE(runs, 2u); // the file "b" took the next cluster once
    m->close(node);
    expect_fsck_clean();
}

TEST_F(FatVolume, DirectoriesGrowAndListEveryNameOnceThroughCookies)
{
    ASSERT_EQ(m->create_directory(root_node, view("many")), Errno::Success);
    std::set<std::string> expected;
    for (u32 i = 0; i < 300; ++i) {
        std::string name = "a rather long file name number " + std::to_string(i) + ".text";
        expected.insert(name);
        ASSERT_EQ(write_whole(*m, "many/" + name, pattern(i, i)), Errno::Success) << name;
    }
    NodeId dir;
    OpenOptions options;
    options.directory = true;
    ASSERT_EQ(m->open(root_node, view("many"), options, dir), Errno::Success);
    std::multiset<std::string> seen;
    u64 cookie = 0;
    for (;;) {
        NameList page(7);
        ASSERT_EQ(m->read_directory(dir, cookie, page), Errno::Success);
        for (auto& name : page.names)
            seen.insert(name);
        if (page.names.size() < 7)
            break;
        cookie = page.last_cookie;
    }
    m->close(dir);
    seen.erase(".");
    seen.erase("..");
    EXPECT_EQ(seen.size(), expected.size());
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), expected);
    std::vector<u8> data;
    ASSERT_EQ(read_whole(*m, "many/A RATHER long file name number 299.text", data), Errno::Success);
    EXPECT_EQ(data, pattern(299, 299));
    expect_fsck_clean();
}

TEST_F(FatVolume, ShortNameTailsAreUniqueInADirectory)
{
    for (u32 i = 0; i < 12; ++i)
        ASSERT_EQ(write_whole(*m, "Long Name " + std::to_string(i) + ".txt", pattern(5, i)), Errno::Success);
    for (u32 i = 0; i < 12; ++i) {
        std::vector<u8> data;
        ASSERT_EQ(read_whole(*m, "long name " + std::to_string(i) + ".TXT", data), Errno::Success);
        EXPECT_EQ(data, pattern(5, i));
    }
    // The generated short names open the files too.
    std::vector<u8> data;
    EXPECT_EQ(read_whole(*m, "LONGNA~1.TXT", data), Errno::Success);
    // A mixed-case 8.3 name keeps its plain short name (no tail) while it is free.
    ASSERT_EQ(write_whole(*m, "Makefile", pattern(7, 7)), Errno::Success);
    EXPECT_EQ(read_whole(*m, "MAKEFI~1", data), Errno::NoEntry);
    ASSERT_EQ(write_whole(*m, "Make File", pattern(8, 8)), Errno::Success); // "MAKEFI~1" now
    EXPECT_EQ(read_whole(*m, "MAKEFI~1", data), Errno::Success);
    EXPECT_EQ(data, pattern(8, 8));
    ASSERT_EQ(read_whole(*m, "makefile", data), Errno::Success);
    EXPECT_EQ(data, pattern(7, 7));
    expect_fsck_clean();
}

TEST_F(FatVolume, RenameWithinAndAcrossDirectories)
{
    ASSERT_EQ(m->create_directory(root_node, view("one")), Errno::Success);
    ASSERT_EQ(m->create_directory(root_node, view("two")), Errno::Success);
    ASSERT_EQ(write_whole(*m, "one/file.txt", pattern(2000, 1)), Errno::Success);
    ASSERT_EQ(write_whole(*m, "two/target", pattern(5000, 2)), Errno::Success);
    u32 free_with_both = m->free_clusters();
    ASSERT_EQ(m->rename(root_node, view("one/file.txt"), root_node, view("one/Renamed File.txt")), Errno::Success);
    ASSERT_EQ(m->rename(root_node, view("one/Renamed File.txt"), root_node, view("two/target")), Errno::Success);
    EXPECT_GT(m->free_clusters(), free_with_both); // the replaced file's clusters are free
    std::vector<u8> data;
    ASSERT_EQ(read_whole(*m, "two/target", data), Errno::Success);
    EXPECT_EQ(data, pattern(2000, 1));
    EXPECT_EQ(read_whole(*m, "one/file.txt", data), Errno::NoEntry);
    // A directory moves with its contents; its ".." follows (fsck.fat checks it).
    ASSERT_EQ(m->rename(root_node, view("two"), root_node, view("one/two moved")), Errno::Success);
    ASSERT_EQ(read_whole(*m, "one/two moved/target", data), Errno::Success);
    EXPECT_EQ(m->rename(root_node, view("one"), root_node, view("one/two moved/inside")), Errno::Invalid);
    // A case change of the same entry.
    ASSERT_EQ(m->rename(root_node, view("one"), root_node, view("ONE")), Errno::Success);
    std::vector<std::string> names;
    ASSERT_EQ(list(*m, ".", names), Errno::Success);
    EXPECT_EQ(names, (std::vector<std::string> { "ONE" }));
    // Replacing a non-empty directory, or a file by a directory, is refused.
    ASSERT_EQ(m->create_directory(root_node, view("full")), Errno::Success);
    ASSERT_EQ(write_whole(*m, "full/x", {}), Errno::Success);
    EXPECT_EQ(m->rename(root_node, view("ONE"), root_node, view("full")), Errno::NotEmpty);
    EXPECT_EQ(m->rename(root_node, view("ONE"), root_node, view("full/x")), Errno::NotDirectory);
    EXPECT_EQ(m->rename(root_node, view("full/x"), root_node, view("ONE")), Errno::IsDirectory);
    expect_fsck_clean();
}

TEST_F(FatVolume, UnlinkAndRmdirGiveTheClustersBack)
{
    u32 free_before = m->free_clusters();
    ASSERT_EQ(m->create_directory(root_node, view("d")), Errno::Success);
    ASSERT_EQ(write_whole(*m, "d/f", pattern(9000, 1)), Errno::Success);
    EXPECT_EQ(m->remove_directory(root_node, view("d")), Errno::NotEmpty);
    EXPECT_EQ(m->unlink(root_node, view("d")), Errno::IsDirectory);
    EXPECT_EQ(m->remove_directory(root_node, view("d/f")), Errno::NotDirectory);
    ASSERT_EQ(m->unlink(root_node, view("d/f")), Errno::Success);
    ASSERT_EQ(m->remove_directory(root_node, view("d")), Errno::Success);
    EXPECT_EQ(m->free_clusters(), free_before);
    EXPECT_EQ(m->remove_directory(root_node, view("d")), Errno::NoEntry);
    expect_fsck_clean(); // FSInfo's free count included
}

TEST_F(FatVolume, AnUnlinkedOpenFileStaysReadableUntilClosed)
{
    u32 free_before = m->free_clusters();
    ASSERT_EQ(write_whole(*m, "f", pattern(4000, 1)), Errno::Success);
    NodeId node;
    ASSERT_EQ(m->open(root_node, view("f"), {}, node), Errno::Success);
    ASSERT_EQ(m->unlink(root_node, view("f")), Errno::Success);
    std::vector<u8> data(4000);
    usize done;
    ASSERT_EQ(m->read(node, 0, Bytes(data.data(), data.size()), done), Errno::Success);
    EXPECT_EQ(data, pattern(4000, 1));
    EXPECT_LT(m->free_clusters(), free_before);
    m->close(node);
    EXPECT_EQ(m->free_clusters(), free_before);
    expect_fsck_clean();
}

TEST_F(FatVolume, SizesGrowWithZerosAndShrinkKeepingThePrefix)
{
    NodeId node;
    OpenOptions options;
    options.create = options.write = true;
    ASSERT_EQ(m->open(root_node, view("sized"), options, node), Errno::Success);
    usize done;
    auto head = pattern(100, 1);
    ASSERT_EQ(m->write(node, 0, ReadonlyBytes(head.data(), head.size()), done), Errno::Success);
    ASSERT_EQ(m->set_size(node, 5000), Errno::Success);
    std::vector<u8> data(5000);
    ASSERT_EQ(m->read(node, 0, Bytes(data.data(), data.size()), done), Errno::Success);
    EXPECT_EQ(done, 5000u);
    EXPECT_TRUE(std::equal(head.begin(), head.end(), data.begin()));
    EXPECT_TRUE(std::all_of(data.begin() + 100, data.end(), [](u8 b) { return b == 0; }));
    // A write past the end leaves zeros between.
    ASSERT_EQ(m->write(node, 9000, ReadonlyBytes(head.data(), 10), done), Errno::Success);
    ASSERT_EQ(m->set_size(node, 50), Errno::Success);
    NodeStat stat;
    ASSERT_EQ(m->stat(node, stat), Errno::Success);
    EXPECT_EQ(stat.size, 50u);
    ASSERT_EQ(m->set_size(node, 600), Errno::Success);
    ASSERT_EQ(m->read(node, 0, Bytes(data.data(), 600), done), Errno::Success);
    EXPECT_TRUE(std::equal(head.begin(), head.begin() + 50, data.begin()));
    EXPECT_TRUE(std::all_of(data.begin() + 50, data.begin() + 600, [](u8 b) { return b == 0; }));
    ASSERT_EQ(m->set_size(node, 0), Errno::Success);
    m->close(node);
    expect_fsck_clean();
}

TEST_F(FatVolume, PathsCannotLeaveTheirDirectory)
{
    ASSERT_EQ(m->create_directory(root_node, view("inner")), Errno::Success);
    ASSERT_EQ(m->create_directory(root_node, view("inner/a")), Errno::Success);
    ASSERT_EQ(write_whole(*m, "secret", pattern(3, 3)), Errno::Success);
    NodeId inner;
    OpenOptions options;
    options.directory = true;
    ASSERT_EQ(m->open(root_node, view("inner"), options, inner), Errno::Success);
    NodeId node;
    NodeStat stat;
    EXPECT_EQ(m->open(inner, view("../secret"), {}, node), Errno::NotCapable);
    EXPECT_EQ(m->open(inner, view("/secret"), {}, node), Errno::NotCapable);
    EXPECT_EQ(m->stat_at(inner, view("a/../../secret"), stat), Errno::NotCapable);
    EXPECT_EQ(m->stat_at(inner, view(".."), stat), Errno::NotCapable);
    EXPECT_EQ(m->unlink(inner, view("../secret")), Errno::NotCapable);
    EXPECT_EQ(m->stat_at(root_node, view("inner/../secret"), stat), Errno::Success);
    EXPECT_EQ(m->stat_at(root_node, view("secret/"), stat), Errno::NotDirectory);
    EXPECT_EQ(m->stat_at(root_node, view("inner/."), stat), Errno::Success);
    EXPECT_TRUE(stat.directory);
    EXPECT_EQ(m->stat_at(root_node, view("secret/x"), stat), Errno::NotDirectory);
    m->close(inner);
}

TEST_F(FatVolume, TimestampsAreKeptToTwoSeconds)
{
    ASSERT_EQ(write_whole(*m, "t", pattern(3, 3)), Errno::Success);
    NodeStat stat;
    ASSERT_EQ(m->stat_at(root_node, view("t"), stat), Errno::Success);
    EXPECT_EQ(stat.modify_ns, 1'700'000'000ull * nanoseconds_per_second);
    TimeChange change;
    change.set_modify = true;
    change.modify_ns = 1'234'567'891ull * nanoseconds_per_second;
    change.set_access = true;
    change.access_ns = 1'234'567'891ull * nanoseconds_per_second;
    ASSERT_EQ(m->set_times_at(root_node, view("t"), change), Errno::Success);
    ASSERT_EQ(m->stat_at(root_node, view("t"), stat), Errno::Success);
    EXPECT_EQ(stat.modify_ns, 1'234'567'890ull * nanoseconds_per_second);
    EXPECT_EQ(stat.access_ns, (1'234'567'891ull / 86400) * 86400 * nanoseconds_per_second);
}

TEST_F(FatVolume, AFullVolumeAnswersNoSpaceAndStaysConsistent)
{
    NodeId node;
    OpenOptions options;
    options.create = options.write = true;
    ASSERT_EQ(m->open(root_node, view("filler"), options, node), Errno::Success);
    auto block = pattern(1 << 20, 1);
    u64 offset = 0;
    Errno error = Errno::Success;
    while (error == Errno::Success) {
        usize done;
        error = m->write(node, offset, ReadonlyBytes(block.data(), block.size()), done);
        offset += done;
    }
    EXPECT_EQ(error, Errno::NoSpace); // after a last short write that filled the volume
    EXPECT_EQ(m->free_clusters(), 0u);
    EXPECT_GT(offset, 30ull << 20);
    m->close(node);
    EXPECT_EQ(write_whole(*m, "another", pattern(100000, 1)), Errno::NoSpace);
    expect_fsck_clean();
}

TEST_F(FatVolume, ReadOnlyMountsRefuseChanges)
{
    ASSERT_EQ(write_whole(*m, "kept", pattern(10, 1)), Errno::Success);
    ASSERT_EQ(m->sync(), Errno::Success);
    auto ro = Mounted::mount(m.device->image(), true);
    ASSERT_EQ(ro.status, Errno::Success);
    EXPECT_TRUE(ro->is_read_only());
    EXPECT_EQ(write_whole(*ro, "new", {}), Errno::ReadOnlyFileSystem);
    EXPECT_EQ(ro->unlink(root_node, view("kept")), Errno::ReadOnlyFileSystem);
    EXPECT_EQ(ro->create_directory(root_node, view("d")), Errno::ReadOnlyFileSystem);
    std::vector<u8> data;
    EXPECT_EQ(read_whole(*ro, "kept", data), Errno::Success);
}

// The first FAT partition of an MBR or GPT disk; a whole disk that is no FAT volume is EINVAL.
TEST(FatPartitions, MbrAndGptDisksMountTheirFatPartition)
{
    ScratchDirectory scratch;
    auto volume = mkfs_image(scratch, "-F 16 -s 1", 8 * 1024);
    ASSERT_FALSE(volume.empty());
    {
        auto m = Mounted::mount(volume);
        ASSERT_EQ(write_whole(*m, "on a partition.txt", pattern(1234, 5)), Errno::Success);
        volume = m.device->image();
    }
    const u64 start = 2048;
    u64 sectors = volume.size() / 512;
    // MBR: an empty entry, a Linux one, then the FAT one.
    std::vector<u8> mbr_disk((start + sectors + 64) * 512, 0);
    std::copy(volume.begin(), volume.end(), mbr_disk.begin() + start * 512);
    u8* table = mbr_disk.data() + 446;
    table[16 + 4] = 0x83;
    store32(table + 16 + 8, 100);
    store32(table + 16 + 12, 100);
    table[32 + 4] = 0x0E;
    store32(table + 32 + 8, start);
    store32(table + 32 + 12, static_cast<u32>(sectors));
    mbr_disk[510] = 0x55;
    mbr_disk[511] = 0xAA;
    std::vector<u8> data;
    {
        auto m = Mounted::mount(mbr_disk);
        ASSERT_EQ(m.status, Errno::Success);
        ASSERT_EQ(read_whole(*m, "on a partition.txt", data), Errno::Success);
        EXPECT_EQ(data, pattern(1234, 5));
    }
    // A partition entry past the end of the disk is skipped.
    std::vector<u8> beyond = mbr_disk;
    store32(beyond.data() + 446 + 32 + 8, 0xFFFFFF00u);
    EXPECT_EQ(Mounted::mount(beyond).status, Errno::Invalid);

    // GPT: protective MBR, header at LBA 1, entries at LBA 2 (a basic-data partition second).
    std::vector<u8> gpt_disk((start + sectors + 64) * 512, 0);
    std::copy(volume.begin(), volume.end(), gpt_disk.begin() + start * 512);
    gpt_disk[446 + 4] = 0xEE;
    store32(gpt_disk.data() + 446 + 8, 1);
    store32(gpt_disk.data() + 446 + 12, 0xFFFFFFFFu);
    gpt_disk[510] = 0x55;
    gpt_disk[511] = 0xAA;
    u8* header = gpt_disk.data() + 512;
    memcpy(header, "EFI PART", 8);
    store32(header + 72, 2);
    store32(header + 80, 128);
    store32(header + 84, 128);
    static const u8 basic_data[16] = { 0xA2, 0xA0, 0xD0, 0xEB, 0xE5, 0xB9, 0x33, 0x44, 0x87, 0xC0, 0x68, 0xB6, 0xB7, 0x26, 0x99, 0xC7 };
    static const u8 linux_data[16] = { 0xAF, 0x3D, 0xC6, 0x0F, 0x83, 0x84, 0x72, 0x47, 0x8E, 0x79, 0x3D, 0x69, 0xD8, 0x47, 0x7D, 0xE4 };
    u8* entries = gpt_disk.data() + 1024;
    memcpy(entries, linux_data, 16);
    store32(entries + 32, 100);
    store32(entries + 40, 199);
    memcpy(entries + 128, basic_data, 16);
    store32(entries + 128 + 32, start);
    store32(entries + 128 + 40, static_cast<u32>(start + sectors - 1));
    {
        auto m = Mounted::mount(gpt_disk);
        ASSERT_EQ(m.status, Errno::Success);
        ASSERT_EQ(read_whole(*m, "on a partition.txt", data), Errno::Success);
        EXPECT_EQ(data, pattern(1234, 5));
    }
    EXPECT_EQ(Mounted::mount(std::vector<u8>(1 << 20, 0)).status, Errno::Invalid);
}
