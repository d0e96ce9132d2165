/* stdin-count: copies stdin to stdout until the end of input, then writes one summary line to
 * stderr: "stdin-count: N bytes, M lines, fnv1a XXXXXXXX". Exits 0, or 1 when a read fails.
 *
 * Used by the hosted test that stdout and stderr stay apart (tests/wasi), by ./azoth run --exec
 * with piped input (the end of input reaches a booted module: tests/fault) and by the early-input
 * boot test (input typed before the UART driver attached is kept). */
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

static int write_all(const char* data, size_t length)
{
    while (length > 0) {
        ssize_t written = write(1, data, length);
        if (written <= 0)
            return 0;
        data += written;
        length -= (size_t)written;
    }
    return 1;
}

int main(void)
{
    char buffer[512];
    size_t bytes = 0, lines = 0;
    uint32_t hash = 2166136261u;
    for (;;) {
        ssize_t length = read(0, buffer, sizeof buffer);
        if (length < 0) {
            fprintf(stderr, "stdin-count: read failed\n");
            return 1;
        }
        if (length == 0)
            break;
        for (ssize_t i = 0; i < length; ++i) {
            hash = (hash ^ (uint8_t)buffer[i]) * 16777619u;
            lines += buffer[i] == '\n';
        }
        bytes += (size_t)length;
        if (!write_all(buffer, (size_t)length))
            return 1;
    }
    fprintf(stderr, "stdin-count: %zu bytes, %zu lines, fnv1a %08x\n", bytes, lines, (unsigned)hash);
    return 0;
}
