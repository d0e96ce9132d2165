// The crash-consistency test (docs/storage.md "Update order"): a workload of creates, writes,
// appends, renames (within and across directories, replacing, a directory moved), truncations,
// deletes, mkdir/rmdir and long names runs on a FAT32 image while every sector write and flush is
// recorded (FAT32 by default; --format picks mkfs.fat's options). Then power is cut after every prefix of the writes, and within each flush epoch a
// few random subsets of its writes are applied instead (a disk may complete them in any order),
// and fsck.fat -n must accept every image: lost clusters, a free count that is off and a chain
// longer than its file's size (the excess is reclaimable) and FAT copies that differ within the
// last epoch (fsck.fat uses the first, which the order keeps consistent) are allowed; anything else it reports
// (cross-links, a chain shorter than the size or running into a free or bad cluster, broken
// directory entries or long names) fails the test with the cut that produced it.
//
//   fat_crash_test [--format MKFS_OPTIONS] [--kilobytes N] [--subsets N] [--min-cuts N] [--keep DIR]
// (default: FAT32, "-F 32 -s 1" on 34 MiB)
#include <fcntl.h>
#include <unistd.h>

#include <random>
#include <regex>
#include <sstream>

#include "VolumeHelpers.h"

using namespace ath;
using namespace ath::fat;
using namespace ath::fat::testing;

namespace {

bool check(Errno error, const char* what)
{
    if (error != Errno::Success) {
        fprintf(stderr, "crash-consistency: workload step '%s' failed (WASI errno %u)\n", what, static_cast<unsigned>(error));
        return false;
    }
    return true;
}

bool append(Volume& volume, const std::string& path, const std::vector<u8>& data)
{
    NodeId node;
    OpenOptions options;
    options.write = true;
    if (!check(volume.open(root_node, view(path), options, node), path.c_str()))
        return false;
    NodeStat stat;
    usize done = 0;
    bool ok = check(volume.stat(node, stat), "stat") && check(volume.write(node, stat.size, ReadonlyBytes(data.data(), data.size()), done), "append");
    volume.close(node);
    return ok;
}

bool resize(Volume& volume, const std::string& path, u64 size)
{
    NodeId node;
    OpenOptions options;
    options.write = true;
    if (!check(volume.open(root_node, view(path), options, node), path.c_str()))
        return false;
    bool ok = check(volume.set_size(node, size), "set_size");
    volume.close(node);
    return ok;
}

bool workload(Volume& v)
{
    return check(v.create_directory(root_node, view("Projects")), "mkdir Projects")
        && check(v.create_directory(root_node, view("Projects/Sub Directory")), "mkdir Sub Directory")
        && check(write_whole(v, "Projects/notes about several things.txt", pattern(3000, 1)), "create notes")
        && append(v, "Projects/notes about several things.txt", pattern(1500, 2))
        && append(v, "Projects/notes about several things.txt", pattern(700, 3))
        && [&] {
               for (u32 i = 0; i < 24; ++i) {
                   std::string name = "Projects/Sub Directory/file with a long name " + std::to_string(i) + ".data";
                   if (!check(write_whole(v, name, pattern(100 + i * 300, i)), name.c_str()))
                       return false;
               }
               return true;
           }()
        && check(write_whole(v, "README.TXT", pattern(600, 9)), "README")
        && check(v.rename(root_node, view("Projects/notes about several things.txt"), root_node, view("Projects/Sub Directory/Renamed Notes.txt")), "rename across")
        && check(v.rename(root_node, view("README.TXT"), root_node, view("Read Me First.txt")), "rename within")
        && check(v.rename(root_node, view("Projects/Sub Directory/file with a long name 3.data"), root_node,
                     view("Projects/Sub Directory/file with a long name 4.data")),
            "rename replacing")
        && resize(v, "Projects/Sub Directory/file with a long name 20.data", 700)
        && resize(v, "Projects/Sub Directory/file with a long name 21.data", 9000)
        && [&] {
               for (u32 i = 5; i < 12; ++i) {
                   std::string name = "Projects/Sub Directory/file with a long name " + std::to_string(i) + ".data";
                   if (!check(v.unlink(root_node, view(name)), name.c_str()))
                       return false;
               }
               return true;
           }()
        && check(v.create_directory(root_node, view("Empty For Now")), "mkdir empty")
        && check(v.remove_directory(root_node, view("Empty For Now")), "rmdir empty")
        && check(v.create_directory(root_node, view("Archive")), "mkdir Archive")
        && check(v.rename(root_node, view("Projects/Sub Directory"), root_node, view("Archive/Old Sub Directory")), "move directory")
        && check(write_whole(v, "big file.bin", pattern(60000, 5)), "big file")
        && append(v, "Archive/Old Sub Directory/Renamed Notes.txt", pattern(5000, 6))
        && check(v.unlink(root_node, view("big file.bin")), "unlink big")
        && check(write_whole(v, "Archive/x", pattern(1, 1)), "small after free")
        && check(v.sync(), "sync");
}

// What fsck.fat -n may report after a cut; every other line is a finding.
struct Verdict {
    bool accepted { true };
    u32 lost_clusters { 0 };
    u32 long_chains { 0 };
    u32 free_count_wrong { 0 };
    u32 fats_differ { 0 };
};

Verdict judge(const std::string& report)
{
    static const std::regex header(R"(^fsck\.fat \d.*$)");
    static const std::regex reclaimed(R"(^Reclaimed (\d+) unused clusters? \(\d+ bytes\)\.$)");
    static const std::regex free_summary(R"(^Free cluster summary wrong \(\d+ vs\. really \d+\)$)");
    static const std::regex auto_correct(R"(^  Auto-correcting\.$)");
    static const std::regex unchanged(R"(^Leaving filesystem unchanged\.$)");
    static const std::regex summary(R"(^.*: \d+ files, \d+/\d+ clusters$)");
    static const std::regex path(R"(^/.*$)");
    // The two FAT copies are written in one epoch; a cut between them leaves them different,
    // and fsck.fat takes the first (every change in it is already consistent by the order).
    static const std::regex fats_differ(R"(^FATs differ but appear to be intact\.$)");
    static const std::regex first_fat(R"(^  Using first FAT\.$)");
    // The chain is longer than the size ("> N"): the excess clusters are reclaimable.
    static const std::regex long_chain(R"(^  File size is (\d+) bytes, cluster chain length is > (\d+) bytes\.$)");
    static const std::regex truncating(R"(^  Truncating file to (\d+) bytes\.$)");
    Verdict verdict;
    std::istringstream lines(report);
    std::vector<std::string> all;
    for (std::string line; std::getline(lines, line);)
        all.push_back(line);
    std::smatch match;
    for (usize i = 0; i < all.size(); ++i) {
        const std::string& line = all[i];
        if (line.empty() || std::regex_match(line, header) || std::regex_match(line, unchanged) || std::regex_match(line, summary))
            continue;
        if (std::regex_match(line, match, reclaimed)) {
            verdict.lost_clusters += static_cast<u32>(std::stoul(match[1]));
            continue;
        }
        if (std::regex_match(line, fats_differ) && i + 1 < all.size() && std::regex_match(all[i + 1], first_fat)) {
            ++verdict.fats_differ;
            ++i;
            continue;
        }
        if (std::regex_match(line, free_summary)) {
            ++verdict.free_count_wrong;
            if (i + 1 < all.size() && std::regex_match(all[i + 1], auto_correct))
                ++i;
            continue;
        }
        if (std::regex_match(line, path) && i + 2 < all.size() && std::regex_match(all[i + 1], long_chain)
            && std::regex_match(all[i + 2], truncating)) {
            ++verdict.long_chains;
            i += 2;
            continue;
        }
        verdict.accepted = false;
    }
    return verdict;
}

} // namespace

int main(int argc, char** argv)
{
    u32 subsets = 7;
    u32 min_cuts = 1000;
    std::string keep;
    std::string format = "-F 32 -s 1";
    u32 kilobytes = 34 * 1024;
    for (int i = 1; i < argc; ++i) {
        std::string flag = argv[i];
        if (flag == "--format" && i + 1 < argc)
            format = argv[++i];
        else if (flag == "--kilobytes" && i + 1 < argc)
            kilobytes = static_cast<u32>(std::stoul(argv[++i]));
        else if (flag == "--subsets" && i + 1 < argc)
            subsets = static_cast<u32>(std::stoul(argv[++i]));
        else if (flag == "--min-cuts" && i + 1 < argc)
            min_cuts = static_cast<u32>(std::stoul(argv[++i]));
        else if (flag == "--keep" && i + 1 < argc)
            keep = argv[++i];
        else {
            fprintf(stderr, "usage: fat_crash_test [--format MKFS_OPTIONS] [--kilobytes N] [--subsets N] [--min-cuts N] [--keep DIR]\n");
            return 64;
        }
    }
    ScratchDirectory scratch;
    auto base = mkfs_image(scratch, format, kilobytes);
    if (base.empty())
        return 1;
    auto m = Mounted::mount(base);
    if (m.status != Errno::Success) {
        fprintf(stderr, "crash-consistency: mount failed\n");
        return 1;
    }
    m.device->recording = true;
    if (!workload(*m))
        return 1;
    auto& log = m.device->log;

    // The workload ran to its end: the final image must be clean.
    std::string report;
    if (fsck(scratch, m.device->image(), report) != 0) {
        fprintf(stderr, "crash-consistency: the finished workload's image is not clean:\n%s", report.c_str());
        return 1;
    }

    std::string cut_path = scratch.file("cut.img");
    if (!write_file(cut_path, base))
        return 1;
    int fd = ::open(cut_path.c_str(), O_WRONLY);
    auto put = [&](u64 sector, const u8* data) { return pwrite(fd, data, device_sector_size, static_cast<off_t>(sector * device_sector_size)) == device_sector_size; };
    std::vector<u8> state = base; // the image after every write before the current epoch's
    std::mt19937 random(20261207);
    u32 cuts = 0, writes = 0, epochs = 0, reordered = 0;
    Verdict totals;
    auto examine = [&](const std::string& what) {
        std::string output;
        run("fsck.fat -n '" + cut_path + "'", &output);
        Verdict verdict = judge(output);
        ++cuts;
        totals.lost_clusters += verdict.lost_clusters > 0;
        totals.long_chains += verdict.long_chains > 0;
        totals.free_count_wrong += verdict.free_count_wrong > 0;
        totals.fats_differ += verdict.fats_differ > 0;
        if (!verdict.accepted) {
            fprintf(stderr, "crash-consistency: FAIL at %s: fsck.fat -n reports:\n%s", what.c_str(), output.c_str());
            if (!keep.empty())
                run("cp '" + cut_path + "' '" + keep + "/failed-cut.img'");
        }
        return verdict.accepted;
    };
    bool ok = true;
    usize epoch_start = 0;
    for (usize i = 0; i <= log.size() && ok; ++i) {
        bool epoch_end = i == log.size() || log[i].flush;
        if (!epoch_end)
            continue;
        // Writes [epoch_start, i) may complete in any order: random subsets of them first...
        std::vector<usize> epoch;
        for (usize k = epoch_start; k < i; ++k)
            epoch.push_back(k);
        if (epoch.size() >= 2) {
            ++epochs;
            for (u32 trial = 0; trial < subsets && ok; ++trial) {
                std::vector<usize> chosen;
                for (usize k : epoch) {
                    if (random() & 1)
                        chosen.push_back(k);
                }
                if (chosen.empty() || chosen.size() == epoch.size())
                    continue;
                for (usize k : chosen)
                    ok = ok && put(log[k].sector, log[k].data.data());
                ++reordered;
                ok = ok && examine("epoch ending at event " + std::to_string(i) + ", subset " + std::to_string(trial));
                for (usize k : chosen) // back to the state before this epoch
                    ok = ok && put(log[k].sector, state.data() + log[k].sector * device_sector_size);
            }
        }
        // ... then each prefix, in order (the last one is the whole epoch).
        for (usize k : epoch) {
            if (!ok)
                break;
            ok = put(log[k].sector, log[k].data.data());
            memcpy(state.data() + log[k].sector * device_sector_size, log[k].data.data(), device_sector_size);
            ++writes;
            ok = ok && examine("write " + std::to_string(writes) + " (event " + std::to_string(k) + ")");
        }
        epoch_start = i + 1;
    }
    ::close(fd);
    printf("crash-consistency: %u sector writes in %zu events, %u cut points checked (%u prefixes, %u reordered subsets of %u epochs)\n",
        writes, log.size(), cuts, writes, reordered, epochs);
    printf("crash-consistency: images with lost clusters %u, with a chain longer than its size %u, with a stale free count %u, "
           "with FAT copies differing %u\n",
        totals.lost_clusters, totals.long_chains, totals.free_count_wrong, totals.fats_differ);
    if (!ok)
        return 1;
    if (cuts < min_cuts) {
        printf("crash-consistency: FAIL: fewer than %u cut points\n", min_cuts);
        return 1;
    }
    printf("crash-consistency: every cut accepted by fsck.fat -n\n");
    return 0;
}
