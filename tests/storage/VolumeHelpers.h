#pragma once

// Whole-file helpers over a mounted Volume for the storage tests.
#include <memory>
#include <string>
#include <vector>

#include <storage/fat/Volume.h>

#include "ImageSupport.h"

namespace ath::fat::testing {

inline StringView view(const std::string& text) { return StringView(text.data(), text.size()); }

struct Mounted {
    std::unique_ptr<MemoryDevice> device;
    std::unique_ptr<Volume> volume;
    Errno status { Errno::Invalid };

    static Mounted mount(std::vector<u8> image, bool read_only = false)
    {
        Mounted m;
        m.device = std::make_unique<MemoryDevice>(std::move(image));
        m.volume = std::make_unique<Volume>();
        MountOptions options;
        options.read_only = read_only;
        options.now_ns = []() -> u64 { return 1'700'000'000ull * 1'000'000'000ull; }; // 2023-11-14T22:13:20Z
        m.status = m.volume->mount(*m.device, options);
        return m;
    }
    Volume& operator*() { return *volume; }
    Volume* operator->() { return volume.get(); }
};

inline Errno write_whole(Volume& volume, const std::string& path, const std::vector<u8>& data, NodeId directory = root_node)
{
    OpenOptions options;
    options.create = options.truncate = options.write = true;
    NodeId node;
    if (Errno error = volume.open(directory, view(path), options, node); error != Errno::Success)
        return error;
    usize done = 0;
    Errno error = data.empty() ? Errno::Success : volume.write(node, 0, ReadonlyBytes(data.data(), data.size()), done);
    volume.close(node);
    return error;
}

inline Errno read_whole(Volume& volume, const std::string& path, std::vector<u8>& data, NodeId directory = root_node)
{
    NodeId node;
    if (Errno error = volume.open(directory, view(path), {}, node); error != Errno::Success)
        return error;
    NodeStat stat;
    Errno error = volume.stat(node, stat);
    data.assign(stat.size, 0);
    usize done = 0;
    if (error == Errno::Success && !data.empty())
        error = volume.read(node, 0, Bytes(data.data(), data.size()), done);
    if (error == Errno::Success && done != data.size())
        error = Errno::Io;
    volume.close(node);
    return error;
}

class NameList final : public DirectoryVisitor {
public:
    explicit NameList(usize limit = ~usize(0)) : m_limit(limit) { }
    bool entry(u64 next, u64, bool directory, StringView name) override
    {
        names.emplace_back(name.characters(), name.length());
        directories.push_back(directory);
        last_cookie = next;
        return names.size() < m_limit;
    }
    std::vector<std::string> names;
    std::vector<bool> directories;
    u64 last_cookie { 0 };

private:
    usize m_limit;
};

// The names in a directory (without "." and ".."), or an error.
inline Errno list(Volume& volume, const std::string& path, std::vector<std::string>& names)
{
    NodeId node;
    OpenOptions options;
    options.directory = true;
    if (Errno error = volume.open(root_node, view(path), options, node); error != Errno::Success)
        return error;
    NameList visitor;
    Errno error = volume.read_directory(node, 2, visitor);
    volume.close(node);
    names = visitor.names;
    return error;
}

inline std::vector<u8> pattern(usize size, u32 seed)
{
    std::vector<u8> data(size);
    u32 state = seed * 2654435761u + 1;
    for (auto& byte : data) {
        state = state * 1103515245u + 12345u;
        byte = static_cast<u8>(state >> 16);
    }
    return data;
}

// fsck.fat -n on the image: its exit status and report.
inline int fsck(const ScratchDirectory& scratch, const std::vector<u8>& image, std::string& report)
{
    std::string path = scratch.file("fsck.img");
    if (!write_file(path, image))
        return -1;
    return run("fsck.fat -n '" + path + "'", &report);
}

} // namespace ath::fat::testing
