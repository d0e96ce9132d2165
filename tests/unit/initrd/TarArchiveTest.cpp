#include <gtest/gtest.h>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include <kernel/initrd/TarArchive.h>
#include <tests/support/RandomCorruption.h>

using namespace ath;
using namespace ath::initrd;

namespace {

// Writes ustar archives for the tests, well-formed unless told otherwise.
class TarBuilder {
public:
    void add(const std::string& name, const std::string& contents, char type = '0', const std::string& prefix = "")
    {
        std::vector<u8> header(512, 0);
        std::copy(name.begin(), name.end(), header.begin());
        octal(header, 100, 8, 0644);
        octal(header, 108, 8, 0);
        octal(header, 116, 8, 0);
        octal(header, 124, 12, contents.size());
        octal(header, 136, 12, 0);
        header[156] = static_cast<u8>(type);
        std::string magic = "ustar";
        std::copy(magic.begin(), magic.end(), header.begin() + 257);
        header[263] = '0';
        header[264] = '0';
        std::copy(prefix.begin(), prefix.end(), header.begin() + 345);
        unsigned sum = 0;
        for (int i = 0; i < 512; ++i)
            sum += (i >= 148 && i < 156) ? ' ' : header[i];
        octal(header, 148, 7, sum);
        header[155] = ' ';
        m_bytes.insert(m_bytes.end(), header.begin(), header.end());
        m_bytes.insert(m_bytes.end(), contents.begin(), contents.end());
        while (m_bytes.size() % 512)
            m_bytes.push_back(0);
    }
    std::vector<u8> finish()
    {
        auto bytes = m_bytes;
        bytes.resize(bytes.size() + 1024, 0);
        return bytes;
    }
    std::vector<u8>& raw() { return m_bytes; }

private:
    static void octal(std::vector<u8>& header, int offset, int width, unsigned long value)
    {
        char buffer[32];
        snprintf(buffer, sizeof(buffer), "%0*lo", width - 1, value);
        std::copy(buffer, buffer + width - 1, header.begin() + offset);
    }
    std::vector<u8> m_bytes;
};

Result<TarArchive> parse(const std::vector<u8>& bytes) { return TarArchive::create(ReadonlyBytes(bytes.data(), bytes.size())); }

std::string text(ReadonlyBytes bytes) { return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()); }

} // namespace

TEST(TarArchive, ReadsFilesAndDirectories)
{
    TarBuilder b;
    b.add("modules/", "", '5');
    b.add("modules/init.wasm", std::string(700, 'x'));
    b.add("./init.manifest", "name=init\n");
    b.add("uart.wasm", "\0asm", '0', "drivers");
    b.add("empty", "");
    auto bytes = b.finish();
    auto archive = parse(bytes);
    ASSERT_FALSE(archive.is_error()) << archive.error().reason;
    EXPECT_EQ(archive.value().entry_count(), 5u);

    auto init = archive.value().find("modules/init.wasm");
    ASSERT_TRUE(init.has_value());
    EXPECT_EQ(init->contents.size(), 700u);
    EXPECT_EQ(text(archive.value().find("init.manifest")->contents), "name=init\n");
    EXPECT_EQ(text(archive.value().find("./init.manifest")->contents), "name=init\n");
    EXPECT_TRUE(archive.value().find("drivers/uart.wasm").has_value());
    EXPECT_FALSE(archive.value().find("uart.wasm").has_value());
    EXPECT_FALSE(archive.value().find("modules").has_value()); // a directory is not a file
    EXPECT_TRUE(archive.value().find("empty").has_value());
    EXPECT_FALSE(archive.value().find("missing").has_value());

    int directories = 0;
    archive.value().for_each([&](const TarEntry& entry) {
        if (entry.kind == TarEntry::Kind::Directory) {
            ++directories;
            EXPECT_EQ(entry.name, StringView("modules"));
        }
    });
    EXPECT_EQ(directories, 1);
}

TEST(TarArchive, EmptyArchiveIsValid)
{
    std::vector<u8> bytes(1024, 0);
    auto archive = parse(bytes);
    ASSERT_FALSE(archive.is_error());
    EXPECT_EQ(archive.value().entry_count(), 0u);
}

TEST(TarArchive, RejectsCorruptHeaders)
{
    auto good = [] {
        TarBuilder b;
        b.add("a.wasm", "hello");
        return b.finish();
    };
    EXPECT_FALSE(parse(good()).is_error());

    auto bad_checksum = good();
    bad_checksum[0] = 'b';
    auto r = parse(bad_checksum);
    ASSERT_TRUE(r.is_error());
    EXPECT_EQ(r.error().code, ErrorCode::Malformed);
    EXPECT_STREQ(r.error().reason, "initrd: header checksum mismatch");

    auto no_magic = good();
    no_magic[257] = 'X';
    EXPECT_TRUE(parse(no_magic).is_error());

    // Size field claims more than the archive holds (checksum fixed up so only the size is wrong).
    TarBuilder huge;
    huge.add("a.wasm", "hello");
    auto too_big = huge.finish();
    const char* big = "77777777777";
    unsigned sum_before = 0, sum_after = 0;
    for (int i = 124; i < 135; ++i)
        sum_before += too_big[i];
    for (int i = 0; i < 11; ++i) {
        too_big[124 + i] = static_cast<u8>(big[i]);
        sum_after += static_cast<u8>(big[i]);
    }
    char checksum[8];
    unsigned old_sum = static_cast<unsigned>(strtoul(reinterpret_cast<char*>(&too_big[148]), nullptr, 8));
    snprintf(checksum, sizeof(checksum), "%06o", old_sum - sum_before + sum_after);
    std::copy(checksum, checksum + 7, too_big.begin() + 148);
    r = parse(too_big);
    ASSERT_TRUE(r.is_error());
    EXPECT_STREQ(r.error().reason, "initrd: entry contents run past the archive");

    // Truncated: no end-of-archive block.
    auto truncated = good();
    truncated.resize(1024);
    EXPECT_TRUE(parse(truncated).is_error());
    EXPECT_TRUE(parse(std::vector<u8>(100, 0)).is_error());
}

TEST(TarArchive, RejectsUnsafeOrUnsupportedEntries)
{
    {
        TarBuilder b;
        b.add("../etc/passwd", "x");
        EXPECT_TRUE(parse(b.finish()).is_error());
    }
    {
        TarBuilder b;
        b.add("ok.wasm", "x", '0', "a/../..");
        EXPECT_TRUE(parse(b.finish()).is_error());
    }
    {
        TarBuilder b;
        b.add("link", "", '2'); // symlink
        auto r = parse(b.finish());
        ASSERT_TRUE(r.is_error());
        EXPECT_STREQ(r.error().reason, "initrd: unsupported entry type (only files and directories)");
    }
    {
        TarBuilder b;
        b.add("dir", "contents", '5');
        EXPECT_TRUE(parse(b.finish()).is_error());
    }
}

TEST(TarArchive, ReadsWhatGnuTarWrites)
{
    char directory_template[] = "/tmp/azoth-tar-XXXXXX";
    char* directory = mkdtemp(directory_template);
    ASSERT_NE(directory, nullptr);
    std::string root = directory;
    ASSERT_EQ(system(("mkdir -p " + root + "/in/modules").c_str()), 0);
    std::ofstream(root + "/in/modules/hello.wasm") << std::string(1500, 'h');
    std::ofstream(root + "/in/cmdline") << "selftest";
    ASSERT_EQ(system(("tar --format=ustar -C " + root + "/in -cf " + root + "/out.tar modules cmdline").c_str()), 0);
    std::ifstream file(root + "/out.tar", std::ios::binary);
    std::vector<u8> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    (void)system(("rm -rf " + root).c_str());

    auto archive = parse(bytes);
    ASSERT_FALSE(archive.is_error()) << archive.error().reason;
    auto hello = archive.value().find("modules/hello.wasm");
    ASSERT_TRUE(hello.has_value());
    EXPECT_EQ(hello->contents.size(), 1500u);
    EXPECT_EQ(text(archive.value().find("cmdline")->contents), "selftest");
}

TEST(TarArchive, RandomCorruptionNeverCrashes)
{
    TarBuilder b;
    b.add("a", std::string(600, 'a'));
    b.add("b", "bb", '0', "dir");
    test_support::for_each_random_corruption(b.finish(), 99, 3000, 3, 3, 5, [](const std::vector<u8>& bytes) {
        auto archive = parse(bytes);
        if (archive.is_error())
            return;
        archive.value().for_each([](const TarEntry& entry) {
            volatile u8 sink = 0;
            for (u8 byte : entry.contents)
                sink = sink + byte;
        });
        (void)archive.value().find("dir/b");
    });
}
