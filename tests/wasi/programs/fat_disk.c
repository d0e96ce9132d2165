// ./azoth exec --disk: a WASI program using the FAT volume preopened at /data through plain libc
// calls (tests/storage/fat-disk-cli.sh checks the image afterwards with mtools and fsck.fat).
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int failures;

static void check(int ok, const char* what)
{
    if (!ok) {
        printf("fat-disk: FAIL %s (errno %d)\n", what, errno);
        ++failures;
    }
}

int main(void)
{
    check(mkdir("/data/Written By Azoth", 0777) == 0, "mkdir");
    FILE* file = fopen("/data/Written By Azoth/A long file name.txt", "w");
    check(file != NULL, "fopen for writing");
    if (file) {
        for (int i = 0; i < 2000; ++i)
            fprintf(file, "line %d of a file on our own FAT\n", i);
        check(fclose(file) == 0, "fclose");
    }
    file = fopen("/data/small.txt", "w");
    check(file && fputs("hello from wasm\n", file) >= 0 && fclose(file) == 0, "small file");
    check(rename("/data/small.txt", "/data/Written By Azoth/Moved Small File.txt") == 0, "rename across directories");
    check(mkdir("/data/gone", 0777) == 0 && rmdir("/data/gone") == 0, "mkdir + rmdir");
    file = fopen("/data/Written By Azoth/A long file name.txt", "r");
    char line[64];
    check(file && fgets(line, sizeof(line), file) && strcmp(line, "line 0 of a file on our own FAT\n") == 0, "read back");
    if (file)
        fclose(file);
    struct stat status;
    check(stat("/data/Written By Azoth/A long file name.txt", &status) == 0 && status.st_size > 60000, "stat size");
    check(symlink("x", "/data/link") == -1 && errno == EPERM, "symlink answers EPERM on FAT");
    int entries = 0;
    DIR* dir = opendir("/data/Written By Azoth");
    check(dir != NULL, "opendir");
    for (struct dirent* entry; dir && (entry = readdir(dir));)
        entries += entry->d_name[0] != '.';
    if (dir)
        closedir(dir);
    check(entries == 2, "two entries listed");
    // What mcopy put on the image beforehand.
    file = fopen("/data/FROM-HOST.TXT", "r");
    check(file && fgets(line, sizeof(line), file) && strcmp(line, "put there by mcopy\n") == 0, "read a file mcopy wrote");
    if (file)
        fclose(file);
    printf("fat-disk: %d failed\n", failures);
    return failures ? 1 : 0;
}
