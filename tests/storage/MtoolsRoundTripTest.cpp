// Round trips with mtools, both ways, on FAT12, FAT16 and FAT32: a tree that mcopy put on an
// mformat'ed image reads back through our library with the same names and bytes; a tree we write
// (then partly rename and delete) is what mcopy copies back out, and fsck.fat -n finds nothing.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "VolumeHelpers.h"

using namespace ath;
using namespace ath::fat;
using namespace ath::fat::testing;
namespace fs = std::filesystem;

namespace {

// Paths (with '/') -> contents; directories listed apart (empty ones included).
struct Tree {
    std::map<std::string, std::vector<u8>> files;
    std::set<std::string> directories;
    bool operator==(const Tree&) const = default;
};

Tree sample_tree()
{
    Tree tree;
    tree.directories = { "Documents", "Documents/Deeper Level", "Documents/Deeper Level/third", "many", "empty dir", "UPPER" };
    const char* names[] = { "README.TXT", "lower.txt", "MiXeD.Txt", "A long file name with spaces.text", "caf\xc3\xa9 cr\xc3\xa8me.txt",
        "name.with.many.dots", "x", "UPPER/NOEXT", "Documents/report 2026.pdf", "Documents/Deeper Level/third/deep file.bin",
        "Documents/Deeper Level/tiny" };
    usize sizes[] = { 10, 0, 511, 512, 513, 4096, 1, 100000, 70000, 2049, 3 };
    for (usize i = 0; i < sizeof(names) / sizeof(names[0]); ++i)
        tree.files[names[i]] = pattern(sizes[i], static_cast<u32>(i));
    for (u32 i = 0; i < 150; ++i)
        tree.files["many/entry number " + std::to_string(i) + " of a big directory"] = pattern(i * 7, i + 100);
    return tree;
}

Tree host_tree(const std::string& root)
{
    Tree tree;
    for (auto& item : fs::recursive_directory_iterator(root)) {
        std::string relative = fs::relative(item.path(), root).generic_string();
        if (item.is_directory())
            tree.directories.insert(relative);
        else
            tree.files[relative] = read_file(item.path().string());
    }
    return tree;
}

void write_host_tree(const Tree& tree, const std::string& root)
{
    for (auto& directory : tree.directories)
        fs::create_directories(root + "/" + directory);
    for (auto& [path, data] : tree.files)
        ASSERT_TRUE(write_file(root + "/" + path, data));
}

// The tree as our library sees it, from the root.
Errno volume_tree(Volume& volume, const std::string& directory, Tree& tree)
{
    NodeId node;
    OpenOptions options;
    options.directory = true;
    if (Errno error = volume.open(root_node, view(directory.empty() ? "." : directory), options, node); error != Errno::Success)
        return error;
    NameList names;
    Errno error = volume.read_directory(node, 2, names);
    volume.close(node);
    if (error != Errno::Success)
        return error;
    for (usize i = 0; i < names.names.size(); ++i) {
        std::string path = directory.empty() ? names.names[i] : directory + "/" + names.names[i];
        if (names.directories[i]) {
            tree.directories.insert(path);
            if (Errno nested = volume_tree(volume, path, tree); nested != Errno::Success)
                return nested;
        } else {
            std::vector<u8> data;
            if (Errno read = read_whole(volume, path, data); read != Errno::Success)
                return read;
            tree.files[path] = data;
        }
    }
    return Errno::Success;
}

Errno write_volume_tree(Volume& volume, const Tree& tree)
{
    for (auto& directory : tree.directories) { // std::set: parents before children
        if (Errno error = volume.create_directory(root_node, view(directory)); error != Errno::Success)
            return error;
    }
    for (auto& [path, data] : tree.files) {
        if (Errno error = write_whole(volume, path, data); error != Errno::Success)
            return error;
    }
    return volume.sync();
}

struct Format {
    const char* name;
    const char* mformat; // mformat options for the image (after -i IMAGE)
    u32 megabytes;       // 0: the floppy size mformat -f picks
    FatType type;
};

class MtoolsRoundTrip : public ::testing::TestWithParam<Format> {
protected:
    std::string make_image()
    {
        std::string image = scratch.file("disk.img");
        std::string size = GetParam().megabytes ? "truncate -s " + std::to_string(GetParam().megabytes) + "M '" + image + "' && " : "";
        std::string output;
        EXPECT_EQ(run(size + "mformat -i '" + image + "' " + GetParam().mformat + " ::", &output), 0) << output;
        return image;
    }
    // mtools reads and writes names in the locale's character set: UTF-8 here.
    static std::string mtools(const std::string& command) { return "LC_ALL=C.UTF-8 MTOOLS_SKIP_CHECK=1 " + command; }
    ScratchDirectory scratch;
};

} // namespace

TEST_P(MtoolsRoundTrip, WhatMcopyWroteReadsBackThroughOurLibrary)
{
    std::string image = make_image();
    Tree tree = sample_tree();
    std::string source = scratch.file("source");
    write_host_tree(tree, source);
    std::string output;
    ASSERT_EQ(run(mtools("mcopy -s -i '" + image + "' '" + source + "'/* ::/"), &output), 0) << output;

    auto m = Mounted::mount(read_file(image));
    ASSERT_EQ(m.status, Errno::Success);
    EXPECT_EQ(m->type(), GetParam().type);
    Tree seen;
    ASSERT_EQ(volume_tree(*m, "", seen), Errno::Success);
    EXPECT_EQ(seen.directories, tree.directories);
    EXPECT_EQ(seen.files.size(), tree.files.size());
    for (auto& [path, data] : tree.files) {
        auto found = seen.files.find(path);
        ASSERT_NE(found, seen.files.end()) << path;
        EXPECT_EQ(found->second, data) << path;
    }
}

TEST_P(MtoolsRoundTrip, WhatWeWroteMcopyReadsBackAndFsckAccepts)
{
    std::string image = make_image();
    Tree tree = sample_tree();
    std::vector<u8> written;
    {
        auto m = Mounted::mount(read_file(image));
        ASSERT_EQ(m.status, Errno::Success);
        ASSERT_EQ(write_volume_tree(*m, tree), Errno::Success);
        // Changes after the first write: renames within and across directories, a replaced
        // file, a deleted file and directory, a file grown and one cut short.
        ASSERT_EQ(m->rename(root_node, view("x"), root_node, view("Documents/x renamed.dat")), Errno::Success);
        ASSERT_EQ(m->rename(root_node, view("lower.txt"), root_node, view("README.TXT")), Errno::Success);
        ASSERT_EQ(m->rename(root_node, view("Documents/Deeper Level"), root_node, view("Moved Level")), Errno::Success);
        ASSERT_EQ(m->unlink(root_node, view("many/entry number 17 of a big directory")), Errno::Success);
        ASSERT_EQ(m->remove_directory(root_node, view("empty dir")), Errno::Success);
        ASSERT_EQ(write_whole(*m, "MiXeD.Txt", pattern(9000, 77)), Errno::Success);
        NodeId node;
        OpenOptions options;
        options.write = true;
        ASSERT_EQ(m->open(root_node, view("Documents/report 2026.pdf"), options, node), Errno::Success);
        ASSERT_EQ(m->set_size(node, 1000), Errno::Success);
        m->close(node);
        ASSERT_EQ(m->sync(), Errno::Success);
        written = m.device->image();
    }
    tree.files["Documents/x renamed.dat"] = tree.files["x"];
    tree.files.erase("x");
    tree.files["README.TXT"] = tree.files["lower.txt"];
    tree.files.erase("lower.txt");
    for (auto it = tree.files.begin(); it != tree.files.end();) {
        if (it->first.rfind("Documents/Deeper Level/", 0) == 0) {
            tree.files["Moved Level/" + it->first.substr(strlen("Documents/Deeper Level/"))] = it->second;
            it = tree.files.erase(it);
        } else {
            ++it;
        }
    }
    tree.directories = { "Documents", "Moved Level", "Moved Level/third", "many", "UPPER" };
    tree.files.erase("many/entry number 17 of a big directory");
    tree.files["MiXeD.Txt"] = pattern(9000, 77);
    tree.files["Documents/report 2026.pdf"].resize(1000);
    ASSERT_TRUE(write_file(image, written));

    std::string report;
    EXPECT_EQ(run("fsck.fat -n '" + image + "'", &report), 0) << report;
    std::string out = scratch.file("out");
    fs::create_directories(out);
    std::string output;
    ASSERT_EQ(run(mtools("mcopy -s -n -i '" + image + "' ::/* '" + out + "'/"), &output), 0) << output;
    Tree extracted = host_tree(out);
    EXPECT_EQ(extracted.directories, tree.directories);
    for (auto& [path, data] : tree.files) {
        auto found = extracted.files.find(path);
        ASSERT_NE(found, extracted.files.end()) << path;
        EXPECT_EQ(found->second, data) << path;
    }
    EXPECT_EQ(extracted.files.size(), tree.files.size());
    // mdir lists the long names we wrote next to their short names.
    ASSERT_EQ(run(mtools("mdir -i '" + image + "' ::/"), &output), 0) << output;
    EXPECT_NE(output.find("MiXeD.Txt"), std::string::npos) << output;
    EXPECT_NE(output.find("Moved Level"), std::string::npos) << output;
}

INSTANTIATE_TEST_SUITE_P(Types, MtoolsRoundTrip,
    ::testing::Values(Format { "fat12", "-C -f 1440", 0, FatType::Fat12 }, Format { "fat16", "-c 4", 16, FatType::Fat16 },
        Format { "fat32", "-F -c 1", 34, FatType::Fat32 }),
    [](const auto& info) { return std::string(info.param.name); });
