#pragma once

// Disk images for the storage tests: a block device in memory (optionally recording every write
// and flush, for the crash-consistency test), images made by the Debian tools (mkfs.fat,
// mformat) and the commands those tests run (mtools, fsck.fat).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include <storage/fat/BlockDevice.h>

namespace ath::fat::testing {

class MemoryDevice final : public BlockDevice {
public:
    explicit MemoryDevice(std::vector<u8> image) : m_image(std::move(image)) { }

    u64 sector_count() const override { return m_image.size() / device_sector_size; }
    Errno read(u64 sector, Bytes buffer) override
    {
        if (!in_range(sector, buffer.size()))
            return Errno::Io;
        memcpy(buffer.data(), m_image.data() + sector * device_sector_size, buffer.size());
        ++reads;
        return Errno::Success;
    }
    Errno write(u64 sector, ReadonlyBytes buffer) override
    {
        if (!in_range(sector, buffer.size()))
            return Errno::Io;
        memcpy(m_image.data() + sector * device_sector_size, buffer.data(), buffer.size());
        if (recording) {
            for (usize at = 0; at < buffer.size(); at += device_sector_size)
                log.push_back({ sector + at / device_sector_size, std::vector<u8>(buffer.data() + at, buffer.data() + at + device_sector_size), false });
        }
        ++writes;
        return fail_writes ? Errno::Io : Errno::Success;
    }
    Errno flush() override
    {
        if (recording)
            log.push_back({ 0, {}, true });
        ++flushes;
        return Errno::Success;
    }

    std::vector<u8>& image() { return m_image; }

    // One recorded event: a sector written (its new content) or a flush.
    struct Event {
        u64 sector;
        std::vector<u8> data;
        bool flush;
    };
    bool recording { false };
    bool fail_writes { false };
    std::vector<Event> log;
    u64 reads { 0 }, writes { 0 }, flushes { 0 };

private:
    bool in_range(u64 sector, usize bytes) const
    {
        return bytes % device_sector_size == 0 && sector <= sector_count() && bytes / device_sector_size <= sector_count() - sector;
    }
    std::vector<u8> m_image;
};

// Runs a shell command; its exit status, its stdout+stderr in `output`.
inline int run(const std::string& command, std::string* output = nullptr)
{
    FILE* pipe = popen((command + " 2>&1").c_str(), "r");
    if (!pipe)
        return -1;
    std::string text;
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0)
        text.append(buffer, n);
    int status = pclose(pipe);
    if (output)
        *output = text;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

inline std::vector<u8> read_file(const std::string& path)
{
    std::vector<u8> data;
    FILE* file = fopen(path.c_str(), "rb");
    if (!file)
        return data;
    fseek(file, 0, SEEK_END);
    data.resize(static_cast<size_t>(ftell(file)));
    fseek(file, 0, SEEK_SET);
    if (!data.empty() && fread(data.data(), 1, data.size(), file) != data.size())
        data.clear();
    fclose(file);
    return data;
}

inline bool write_file(const std::string& path, const std::vector<u8>& data)
{
    FILE* file = fopen(path.c_str(), "wb");
    if (!file)
        return false;
    bool ok = data.empty() || fwrite(data.data(), 1, data.size(), file) == data.size();
    return fclose(file) == 0 && ok;
}

// A scratch directory removed at the end of the test.
class ScratchDirectory {
public:
    ScratchDirectory()
    {
        char pattern[] = "/tmp/azoth-fat-XXXXXX";
        const char* made = mkdtemp(pattern);
        m_path = made ? made : "/tmp";
    }
    ~ScratchDirectory() { run("rm -rf '" + m_path + "'"); }
    const std::string& path() const { return m_path; }
    std::string file(const std::string& name) const { return m_path + "/" + name; }

private:
    std::string m_path;
};

// A fresh image of `kilobytes` KiB formatted by mkfs.fat with `options` (e.g. "-F 32 -s 1").
inline std::vector<u8> mkfs_image(const ScratchDirectory& scratch, const std::string& options, u32 kilobytes)
{
    std::string path = scratch.file("mkfs.img");
    unlink(path.c_str());
    std::string output;
    if (run("mkfs.fat -C " + options + " '" + path + "' " + std::to_string(kilobytes), &output) != 0) {
        fprintf(stderr, "mkfs.fat failed: %s\n", output.c_str());
        return {};
    }
    auto image = read_file(path);
    unlink(path.c_str());
    return image;
}

} // namespace ath::fat::testing
