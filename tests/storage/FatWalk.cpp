// fat_walk IMAGE: mounts a FAT image with the library and touches everything on it (every
// directory to depth 32, every file read to its end, then a file created), printing one line per
// finding for tests/storage/corrupt-corpus.py:
//   mount: ok | mount: error N
//   file PATH: ok SIZE | file PATH: error N      dir PATH: ok | dir PATH: error N
//   create: ok | create: error N
//   read-only: yes|no   corruption: yes|no
// Exit status 0 whatever the image holds; a crash, sanitizer report or hang is the failure.
#include <string>
#include <vector>

#include "VolumeHelpers.h"

using namespace ath;
using namespace ath::fat;
using namespace ath::fat::testing;

namespace {

u32 g_visited = 0;

void walk(Volume& volume, const std::string& path, u32 depth)
{
    if (depth > 32 || g_visited > 20000)
        return;
    NodeId dir;
    OpenOptions options;
    options.directory = true;
    Errno error = volume.open(root_node, view(path.empty() ? "." : path), options, dir);
    NameList names(5000);
    if (error == Errno::Success) {
        error = volume.read_directory(dir, 0, names);
        volume.close(dir);
    }
    printf("dir /%s: %s %u\n", path.c_str(), error == Errno::Success ? "ok" : "error", static_cast<unsigned>(error));
    for (usize i = 0; i < names.names.size(); ++i) {
        const std::string& name = names.names[i];
        if (name == "." || name == ".." || name.find('/') != std::string::npos)
            continue;
        ++g_visited;
        std::string child = path.empty() ? name : path + "/" + name;
        if (names.directories[i]) {
            walk(volume, child, depth + 1);
            continue;
        }
        NodeId file;
        Errno status = volume.open(root_node, view(child), {}, file);
        u64 total = 0;
        if (status == Errno::Success) {
            std::vector<u8> buffer(65536);
            for (;;) {
                usize done = 0;
                status = volume.read(file, total, Bytes(buffer.data(), buffer.size()), done);
                if (status != Errno::Success || done == 0)
                    break;
                total += done;
            }
            volume.close(file);
        }
        if (status == Errno::Success)
            printf("file /%s: ok %llu\n", child.c_str(), static_cast<unsigned long long>(total));
        else
            printf("file /%s: error %u\n", child.c_str(), static_cast<unsigned>(status));
    }
}

} // namespace

int main(int argc, char** argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: fat_walk IMAGE\n");
        return 64;
    }
    auto m = Mounted::mount(read_file(argv[1]));
    if (m.status != Errno::Success) {
        printf("mount: error %u\n", static_cast<unsigned>(m.status));
        return 0;
    }
    printf("mount: ok\n");
    printf("read-only at mount: %s\n", m->is_read_only() ? "yes" : "no");
    walk(*m, "", 0);
    Errno created = write_whole(*m, "walker was here.txt", pattern(3000, 1));
    printf("create: %s %u\n", created == Errno::Success ? "ok" : "error", static_cast<unsigned>(created));
    printf("read-only: %s\n", m->is_read_only() ? "yes" : "no");
    printf("corruption: %s\n", m->found_corruption() ? "yes" : "no");
    return 0;
}
