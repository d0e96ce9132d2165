// The WASI file API against hostile input, run with one preopened directory (fd 3) whose parent
// holds outside.txt: paths that try to leave it (.., absolute, symbolic links, through a linked
// directory), over-long names and components, NUL bytes, bad descriptors, rights not held and bad
// pointers. Every call must answer its errno; run-wasi-test.sh --scratch then checks that nothing
// outside the directory changed. Prints each failed check and a tally.
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

// The raw imports: (pointer, length) paths, so a path may hold a NUL or point anywhere.
#define WASI_IMPORT(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))
WASI_IMPORT(path_open) int32_t raw_path_open(int32_t fd, int32_t dirflags, int32_t path, int32_t path_len, int32_t oflags,
    int64_t rights, int64_t inheriting, int32_t fdflags, int32_t opened);
WASI_IMPORT(path_unlink_file) int32_t raw_path_unlink_file(int32_t fd, int32_t path, int32_t path_len);
WASI_IMPORT(fd_readdir) int32_t raw_fd_readdir(int32_t fd, int32_t buf, int32_t buf_len, int64_t cookie, int32_t used);

static int passed, failed;

static void expect_errno(const char* what, int actual, int expected)
{
    if (actual == expected) {
        ++passed;
    } else {
        ++failed;
        printf("FAIL %s: errno %d, expected %d\n", what, actual, expected);
    }
}

static const __wasi_rights_t file_rights = __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_SEEK
    | __WASI_RIGHTS_FD_TELL | __WASI_RIGHTS_FD_FILESTAT_GET;
static const __wasi_fd_t root = 3;

static int open_path(const char* path, uint32_t length, __wasi_oflags_t oflags, __wasi_rights_t rights, __wasi_fd_t* fd)
{
    return raw_path_open(root, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, (int32_t)(uintptr_t)path, (int32_t)length, oflags,
        (int64_t)rights, 0, 0, (int32_t)(uintptr_t)fd);
}

static int open_text(const char* path, __wasi_oflags_t oflags, __wasi_rights_t rights, __wasi_fd_t* fd)
{
    return open_path(path, (uint32_t)strlen(path), oflags, rights, fd);
}

int main(void)
{
    __wasi_prestat_t prestat;
    expect_errno("fd 3 is the preopen", __wasi_fd_prestat_get(root, &prestat), 0);
    char name[1];
    expect_errno("prestat name into a short buffer", __wasi_fd_prestat_dir_name(root, (uint8_t*)name, 0), __WASI_ERRNO_NAMETOOLONG);

    __wasi_fd_t file = 0;
    expect_errno("create a file inside", open_text("file", __WASI_OFLAGS_CREAT, file_rights, &file), 0);
    static const char text[] = "inside";
    __wasi_ciovec_t out = { (const uint8_t*)text, sizeof(text) - 1 };
    __wasi_size_t count = 0;
    expect_errno("write it", __wasi_fd_write(file, &out, 1, &count), 0);

    // Paths that try to leave the directory.
    __wasi_fd_t other = 0;
    expect_errno("../outside.txt", open_text("../outside.txt", 0, file_rights, &other), __WASI_ERRNO_NOTCAPABLE);
    expect_errno("../outside.txt truncated", open_text("../outside.txt", __WASI_OFLAGS_TRUNC, file_rights, &other),
        __WASI_ERRNO_NOTCAPABLE);
    expect_errno("mkdir sub", __wasi_path_create_directory(root, "sub"), 0);
    expect_errno("sub/../../outside.txt", open_text("./sub/../../outside.txt", 0, file_rights, &other), __WASI_ERRNO_NOTCAPABLE);
    expect_errno("absolute path", open_text("/etc/passwd", 0, file_rights, &other), __WASI_ERRNO_NOTCAPABLE);
    expect_errno("a link to ..", __wasi_path_symlink("../outside.txt", root, "escape"), 0);
    expect_errno("following it", open_text("escape", __WASI_OFLAGS_TRUNC, file_rights, &other), __WASI_ERRNO_NOTCAPABLE);
    expect_errno("a linked directory", __wasi_path_symlink("..", root, "up"), 0);
    expect_errno("creating through it", open_text("up/made", __WASI_OFLAGS_CREAT, file_rights, &other), __WASI_ERRNO_NOTCAPABLE);
    expect_errno("mkdir through it", __wasi_path_create_directory(root, "up/made"), __WASI_ERRNO_NOTCAPABLE);
    expect_errno("a link to an absolute path", __wasi_path_symlink("/etc/passwd", root, "absolute"), __WASI_ERRNO_NOTCAPABLE);
    expect_errno("unlink ../outside.txt", __wasi_path_unlink_file(root, "../outside.txt"), __WASI_ERRNO_NOTCAPABLE);
    expect_errno("unlink through the link", __wasi_path_unlink_file(root, "up/outside.txt"), __WASI_ERRNO_NOTCAPABLE);
    expect_errno("rename out", __wasi_path_rename(root, "file", root, "../moved"), __WASI_ERRNO_NOTCAPABLE);
    expect_errno("rename in", __wasi_path_rename(root, "../outside.txt", root, "stolen"), __WASI_ERRNO_NOTCAPABLE);
    expect_errno("link out", __wasi_path_link(root, 0, "file", root, "../linked"), __WASI_ERRNO_NOTCAPABLE);
    expect_errno("mkdir ../made", __wasi_path_create_directory(root, "../made"), __WASI_ERRNO_NOTCAPABLE);
    expect_errno("times of ..", __wasi_path_filestat_set_times(root, 0, "..", 0, 0, __WASI_FSTFLAGS_MTIM), __WASI_ERRNO_NOTCAPABLE);
    __wasi_filestat_t stat;
    expect_errno("stat of ..", __wasi_path_filestat_get(root, 0, "..", &stat), __WASI_ERRNO_NOTCAPABLE);

    // Names the file system cannot take.
    static char long_path[5000];
    for (size_t i = 0; i + 2 <= sizeof(long_path); i += 2)
        memcpy(long_path + i, "a/", 2);
    expect_errno("5000-byte path", open_path(long_path, sizeof(long_path), 0, file_rights, &other), __WASI_ERRNO_NAMETOOLONG);
    static char long_name[300];
    memset(long_name, 'n', sizeof(long_name));
    expect_errno("300-byte name", open_path(long_name, sizeof(long_name), __WASI_OFLAGS_CREAT, file_rights, &other),
        __WASI_ERRNO_NAMETOOLONG);
    static const char with_nul[] = { 'f', 'i', 'l', 'e', 0, 'x' };
    expect_errno("NUL inside a path", open_path(with_nul, sizeof(with_nul), 0, file_rights, &other), __WASI_ERRNO_INVAL);
    expect_errno("unlink with a NUL", raw_path_unlink_file(root, (int32_t)(uintptr_t)with_nul, sizeof(with_nul)), __WASI_ERRNO_INVAL);
    expect_errno("empty path", open_path("", 0, 0, file_rights, &other), __WASI_ERRNO_NOENT);

    // Bad descriptors.
    expect_errno("path_open relative to 1234",
        raw_path_open(1234, 0, (int32_t)(uintptr_t) "file", 4, 0, (int64_t)file_rights, 0, 0, (int32_t)(uintptr_t)&other),
        __WASI_ERRNO_BADF);
    expect_errno("path_open relative to a file",
        raw_path_open((int32_t)file, 0, (int32_t)(uintptr_t) "x", 1, 0, (int64_t)file_rights, 0, 0, (int32_t)(uintptr_t)&other),
        __WASI_ERRNO_NOTDIR);
    expect_errno("path_open relative to stdout",
        raw_path_open(1, 0, (int32_t)(uintptr_t) "x", 1, 0, (int64_t)file_rights, 0, 0, (int32_t)(uintptr_t)&other),
        __WASI_ERRNO_BADF);
    uint8_t buffer[256];
    __wasi_size_t used = 0;
    expect_errno("readdir of a file (it has no FD_READDIR)", __wasi_fd_readdir(file, buffer, sizeof(buffer), 0, &used),
        __WASI_ERRNO_NOTCAPABLE);
    expect_errno("read from the directory", __wasi_fd_read(root, &(__wasi_iovec_t) { buffer, 4 }, 1, &count), __WASI_ERRNO_NOTCAPABLE);
    expect_errno("renumber onto a closed fd", __wasi_fd_renumber(file, 1234), __WASI_ERRNO_BADF);

    // Rights not held.
    __wasi_fd_t reader = 0;
    expect_errno("open read-only", open_text("file", 0, __WASI_RIGHTS_FD_READ, &reader), 0);
    expect_errno("write without FD_WRITE", __wasi_fd_write(reader, &out, 1, &count), __WASI_ERRNO_NOTCAPABLE);
    expect_errno("seek without FD_SEEK", __wasi_fd_seek(reader, 1, __WASI_WHENCE_SET, &(__wasi_filesize_t) { 0 }),
        __WASI_ERRNO_NOTCAPABLE);
    expect_errno("rights only shrink", __wasi_fd_fdstat_set_rights(reader, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE, 0),
        __WASI_ERRNO_NOTCAPABLE);
    expect_errno("drop FD_READ", __wasi_fd_fdstat_set_rights(reader, 0, 0), 0);
    expect_errno("read without FD_READ", __wasi_fd_read(reader, &(__wasi_iovec_t) { buffer, 4 }, 1, &count), __WASI_ERRNO_NOTCAPABLE);
    __wasi_fd_t limited = 0;
    expect_errno("a directory without PATH_OPEN",
        raw_path_open(root, 0, (int32_t)(uintptr_t) ".", 1, __WASI_OFLAGS_DIRECTORY, (int64_t)__WASI_RIGHTS_FD_READDIR, 0, 0,
            (int32_t)(uintptr_t)&limited),
        0);
    expect_errno("path_open without PATH_OPEN",
        raw_path_open((int32_t)limited, 0, (int32_t)(uintptr_t) "file", 4, 0, (int64_t)file_rights, 0, 0, (int32_t)(uintptr_t)&other),
        __WASI_ERRNO_NOTCAPABLE);
    expect_errno("unlink without PATH_UNLINK_FILE", __wasi_path_unlink_file(limited, "file"), __WASI_ERRNO_NOTCAPABLE);

    // Bad pointers: EFAULT, and nothing created.
    expect_errno("path out of memory",
        raw_path_open(root, 0, (int32_t)0xFFFFFFF0u, 100, __WASI_OFLAGS_CREAT, (int64_t)file_rights, 0, 0, (int32_t)(uintptr_t)&other),
        __WASI_ERRNO_FAULT);
    expect_errno("result out of memory",
        raw_path_open(root, 0, (int32_t)(uintptr_t) "created", 7, __WASI_OFLAGS_CREAT, (int64_t)file_rights, 0, 0, (int32_t)0xFFFFFFF0u),
        __WASI_ERRNO_FAULT);
    expect_errno("so nothing was created", __wasi_path_filestat_get(root, 0, "created", &stat), __WASI_ERRNO_NOENT);
    expect_errno("readdir into nowhere", raw_fd_readdir(root, (int32_t)0xFFFFFF00u, 4096, 0, (int32_t)(uintptr_t)&used),
        __WASI_ERRNO_FAULT);

    printf("file-hostile: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
