/* azsh: the Azoth shell. Reads lines from stdin (the serial console booted; the terminal under
 * ./azoth exec), edits them itself (the console has no line discipline: azsh echoes, moves the
 * cursor and keeps a history), and runs built-in commands:
 *
 *   processes  ps, kill PID|NAME, run MODULE [ARGS] [&], jobs, modules
 *   system     mem, uptime, devices, clear, history, help, echo, exit [CODE]
 *   files      ls, cat, cp, mv, rm, mkdir, cd, pwd (through WASI: they need a preopened directory;
 *              the booted system has no file system yet and they say so)
 *
 * Line editing: printable ASCII inserts at the cursor; Backspace, Delete, Left/Right, Home/End
 * (also Ctrl-A/Ctrl-E), Ctrl-U (whole line), Ctrl-K (to the end), Ctrl-W (word), Up/Down
 * (history), Ctrl-C (drop the line), Ctrl-L (clear the screen), Ctrl-D on an empty line or the
 * end of input (exit). A line longer than max_line rings the bell and keeps what fits; any other
 * byte (control, non-ASCII, a broken escape sequence) is dropped.
 *
 * `run` starts a module of the initrd as azsh's own child (azoth.spawn_args: azsh's manifest has
 * `supervisor`), waits for it in the foreground (Ctrl-C kills it) or not (`&`; `jobs` lists
 * them, their ends are reported before the next prompt). `ps` and `kill` reach every process
 * (`process-admin`). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <wasi/api.h>

#include <azoth.h>

enum { max_line = 256, max_words = 32, history_size = 32, max_jobs = 16 };

/* ---- Output ---- */

static void flush(void) { fflush(stdout); }

static void put(const char* text) { fputs(text, stdout); }

static void bell(void) { put("\a"); }

/* Whether azsh echoes and edits the line itself: the console's own echo is off (booted). Otherwise
 * (./azoth exec: the host terminal echoes and edits) it only reads the lines and echoes nothing. */
static int editing;

static void echo(const char* text)
{
    if (editing)
        put(text);
}

/* ---- Input: bytes from stdin, with one byte of push-back ---- */

static unsigned char input_buffer[128];
static size_t input_start, input_end;
static int input_ended;

/* The next input byte, or -1 at the end of input. */
static int next_byte(void)
{
    if (input_start == input_end) {
        if (input_ended)
            return -1;
        flush();
        ssize_t got = read(0, input_buffer, sizeof input_buffer);
        if (got <= 0) {
            input_ended = 1;
            return -1;
        }
        input_start = 0;
        input_end = (size_t)got;
    }
    return input_buffer[input_start++];
}

/* Whether a byte is queued or arrives within timeout_ns (for Ctrl-C while a job runs). */
static int input_ready(uint64_t timeout_ns)
{
    if (input_start != input_end)
        return 1;
    if (input_ended)
        return 0;
    __wasi_subscription_t subscriptions[2];
    memset(subscriptions, 0, sizeof subscriptions);
    subscriptions[0].userdata = 1;
    subscriptions[0].u.tag = __WASI_EVENTTYPE_FD_READ;
    subscriptions[0].u.u.fd_read.file_descriptor = 0;
    subscriptions[1].userdata = 2;
    subscriptions[1].u.tag = __WASI_EVENTTYPE_CLOCK;
    subscriptions[1].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    subscriptions[1].u.u.clock.timeout = timeout_ns;
    __wasi_event_t events[2];
    __wasi_size_t count = 0;
    if (__wasi_poll_oneoff(subscriptions, events, 2, &count) != 0) {
        /* No pollable stdin: wait out the timeout with the clock alone. */
        struct timespec pause = { 0, (long)timeout_ns };
        nanosleep(&pause, NULL);
        return 0;
    }
    for (__wasi_size_t i = 0; i < count; ++i) {
        if (events[i].userdata == 1)
            return 1;
    }
    return 0;
}

/* ---- The line editor ---- */

static char history[history_size][max_line + 1];
static unsigned history_count; /* lines ever added; the last history_size are kept */

static void history_add(const char* line)
{
    if (!line[0])
        return;
    if (history_count > 0 && strcmp(history[(history_count - 1) % history_size], line) == 0)
        return;
    snprintf(history[history_count % history_size], sizeof history[0], "%s", line);
    ++history_count;
}

typedef struct {
    char text[max_line + 1];
    size_t length;
    size_t cursor;
    const char* prompt;
} line_state;

/* Redraws the whole line: carriage return, prompt, text, erase to the end, cursor back. */
static void redraw(const line_state* line)
{
    if (!editing)
        return;
    printf("\r%s%s\x1b[K", line->prompt, line->text);
    if (line->cursor < line->length)
        printf("\x1b[%zuD", line->length - line->cursor);
}

static void set_text(line_state* line, const char* text)
{
    snprintf(line->text, sizeof line->text, "%s", text);
    line->length = strlen(line->text);
    line->cursor = line->length;
    redraw(line);
}

static void insert_byte(line_state* line, char byte)
{
    if (line->length >= max_line) {
        bell();
        return;
    }
    memmove(line->text + line->cursor + 1, line->text + line->cursor, line->length - line->cursor + 1);
    line->text[line->cursor++] = byte;
    line->length++;
    if (line->cursor == line->length) {
        if (editing)
            putchar(byte); /* the common case: typing at the end echoes one byte */
    }
    else
        redraw(line);
}

static void delete_range(line_state* line, size_t from, size_t to)
{
    if (from >= to)
        return;
    memmove(line->text + from, line->text + to, line->length - to + 1);
    line->length -= to - from;
    line->cursor = from;
    redraw(line);
}

/* The rest of an escape sequence after ESC: arrows, Home/End, Delete. */
static void escape_sequence(line_state* line, unsigned* browsing)
{
    int first = next_byte();
    if (first != '[' && first != 'O')
        return;
    int code = next_byte();
    int parameter = 0;
    while (code >= '0' && code <= '9') {
        parameter = parameter * 10 + (code - '0');
        if (parameter > 99)
            parameter = 99;
        code = next_byte();
    }
    switch (code) {
    case 'A': /* up: older */
    case 'B': /* down: newer */ {
        unsigned oldest = history_count > history_size ? history_count - history_size : 0;
        if (code == 'A' && *browsing > oldest)
            --*browsing;
        else if (code == 'B' && *browsing < history_count)
            ++*browsing;
        else {
            bell();
            break;
        }
        set_text(line, *browsing == history_count ? "" : history[*browsing % history_size]);
        break;
    }
    case 'C':
        if (line->cursor < line->length) {
            ++line->cursor;
            echo("\x1b[C");
        }
        break;
    case 'D':
        if (line->cursor > 0) {
            --line->cursor;
            echo("\x1b[D");
        }
        break;
    case 'H': line->cursor = 0; redraw(line); break;
    case 'F': line->cursor = line->length; redraw(line); break;
    case '~':
        if (parameter == 3 && line->cursor < line->length)
            delete_range(line, line->cursor, line->cursor + 1);
        else if (parameter == 1 || parameter == 7) {
            line->cursor = 0;
            redraw(line);
        } else if (parameter == 4 || parameter == 8) {
            line->cursor = line->length;
            redraw(line);
        }
        break;
    default: break; /* unknown sequences are dropped */
    }
}

/* Reads one line into `out` (max_line + 1 bytes). 1: a line; 0: end of input. */
static int read_line(const char* prompt, char* out)
{
    line_state line = { .length = 0, .cursor = 0, .prompt = prompt };
    line.text[0] = 0;
    unsigned browsing = history_count;
    static int last_was_cr;
    put(prompt);
    for (;;) {
        int byte = next_byte();
        if (byte < 0) {
            if (line.length == 0) {
                put("\n");
                return 0;
            }
            byte = '\n'; /* the end of input ends the last line */
        }
        if (byte == '\n' && last_was_cr) { /* CR LF is one end of line */
            last_was_cr = 0;
            continue;
        }
        last_was_cr = byte == '\r';
        switch (byte) {
        case '\r':
        case '\n':
            echo("\r\n");
            memcpy(out, line.text, line.length + 1);
            return 1;
        case 0x01: line.cursor = 0; redraw(&line); break;            /* Ctrl-A */
        case 0x05: line.cursor = line.length; redraw(&line); break;  /* Ctrl-E */
        case 0x02: if (line.cursor > 0) { --line.cursor; echo("\x1b[D"); } break;                      /* Ctrl-B */
        case 0x06: if (line.cursor < line.length) { ++line.cursor; echo("\x1b[C"); } break;             /* Ctrl-F */
        case 0x03: /* Ctrl-C: drop the line */
            put("^C\r\n");
            line.length = line.cursor = 0;
            line.text[0] = 0;
            browsing = history_count;
            put(prompt);
            break;
        case 0x04: /* Ctrl-D: end on an empty line, else delete under the cursor */
            if (line.length == 0) {
                put("\r\n");
                return 0;
            }
            delete_range(&line, line.cursor, line.cursor + 1);
            break;
        case 0x08:
        case 0x7f: /* Backspace */
            if (line.cursor > 0)
                delete_range(&line, line.cursor - 1, line.cursor);
            break;
        case 0x0b: delete_range(&line, line.cursor, line.length); break; /* Ctrl-K */
        case 0x15: delete_range(&line, 0, line.cursor); break;           /* Ctrl-U */
        case 0x17: { /* Ctrl-W: the word before the cursor */
            size_t from = line.cursor;
            while (from > 0 && line.text[from - 1] == ' ')
                --from;
            while (from > 0 && line.text[from - 1] != ' ')
                --from;
            delete_range(&line, from, line.cursor);
            break;
        }
        case 0x0c: put("\x1b[2J\x1b[H"); redraw(&line); break; /* Ctrl-L */
        case 0x1b: escape_sequence(&line, &browsing); break;
        default:
            if (byte >= 0x20 && byte < 0x7f)
                insert_byte(&line, (char)byte);
            /* other control bytes and non-ASCII bytes are dropped */
            break;
        }
    }
}

/* Splits `line` in place at blanks; "double" and 'single' quotes group words. The count, or -1
 * (with a message) for an unterminated quote or too many words. */
static int split_words(char* line, char** words)
{
    int count = 0;
    char* read = line;
    char* write = line;
    while (*read) {
        while (*read == ' ' || *read == '\t')
            ++read;
        if (!*read)
            break;
        if (count == max_words) {
            printf("azsh: more than %d words\n", max_words);
            return -1;
        }
        words[count++] = write;
        while (*read && *read != ' ' && *read != '\t') {
            if (*read == '"' || *read == '\'') {
                char quote = *read++;
                while (*read && *read != quote)
                    *write++ = *read++;
                if (!*read) {
                    printf("azsh: unterminated %c\n", quote);
                    return -1;
                }
                ++read;
            } else {
                *write++ = *read++;
            }
        }
        if (*read)
            ++read;
        *write++ = 0;
    }
    return count;
}

/* ---- Kernel facts ---- */

static const char* status_text(azoth_status_t status) { return azoth_status_name(status); }

/* The index of module `name` in the initrd's table, or -1. */
static int module_index(const char* name)
{
    uint32_t count = 0;
    if (azoth_module_count(&count) != AZOTH_OK)
        return -1;
    for (uint32_t i = 0; i < count; ++i) {
        char module_name[64];
        azoth_module_info_t info;
        if (azoth_module_info(i, module_name, sizeof module_name - 1, &info) != AZOTH_OK)
            continue;
        module_name[info.name_length < sizeof module_name ? info.name_length : sizeof module_name - 1] = 0;
        if (strcmp(module_name, name) == 0)
            return (int)i;
    }
    return -1;
}

static const char* state_name(uint32_t state)
{
    static const char* names[] = { "running", "ready", "blocked", "sleeping", "exited" };
    return state < sizeof names / sizeof names[0] ? names[state] : "?";
}

/* ---- Jobs: children started by `run` ---- */

typedef struct {
    uint32_t child; /* 0: free */
    char name[32];
    int background;
} job;

static job jobs[max_jobs];

static job* job_of(uint32_t child)
{
    for (int i = 0; i < max_jobs; ++i) {
        if (jobs[i].child == child)
            return &jobs[i];
    }
    return NULL;
}

static void describe_exit(const azoth_child_exit_t* event, const char* name)
{
    if (event->kind == AZOTH_EXIT_EXITED)
        printf("%s: exited with status %u\n", name, (unsigned)event->exit_code);
    else if (event->kind == AZOTH_EXIT_TRAPPED)
        printf("%s: trapped (%s)\n", name, azoth_trap_name(event->exit_code));
    else if (event->kind == AZOTH_EXIT_KILLED)
        printf("%s: killed\n", name);
    else
        printf("%s: failed to start (the kernel log above says why)\n", name);
}

/* Collects the children that ended (without blocking) and reports the background ones. */
static void reap_jobs(void)
{
    azoth_child_exit_t event;
    while (azoth_wait(0, &event) == AZOTH_OK) {
        job* ended = job_of(event.child);
        if (!ended)
            continue;
        char label[48];
        snprintf(label, sizeof label, "[%u] %s", (unsigned)ended->child, ended->name);
        describe_exit(&event, label);
        ended->child = 0;
    }
}

/* ---- Commands ---- */

typedef int (*command_function)(int argc, char** argv);

static int command_help(int argc, char** argv);

static int command_echo(int argc, char** argv)
{
    for (int i = 1; i < argc; ++i)
        printf("%s%s", argv[i], i + 1 < argc ? " " : "");
    put("\n");
    return 0;
}

static int command_ps(int argc, char** argv)
{
    (void)argc;
    (void)argv;
    printf("%5s %5s %-8s %9s %9s %7s %s\n", "PID", "PPID", "STATE", "CPU-MS", "MEM-KIB", "HANDLES", "NAME");
    for (uint32_t index = 0;; ++index) {
        char name[64];
        azoth_process_info_t info;
        azoth_status_t status = azoth_process_list(index, name, sizeof name - 1, &info);
        if (status == AZOTH_E_NOT_FOUND)
            break;
        if (status != AZOTH_OK) {
            printf("ps: %s\n", status_text(status));
            return 1;
        }
        name[info.name_length < sizeof name ? info.name_length : sizeof name - 1] = 0;
        printf("%5u %5u %-8s %9llu %9llu %7u %s\n", (unsigned)info.pid, (unsigned)info.parent_pid, state_name(info.state),
            (unsigned long long)(info.cpu_time_ns / 1000000), (unsigned long long)(info.memory_bytes / 1024), (unsigned)info.handles,
            name);
    }
    return 0;
}

/* A pid, or the pid of the (first) live process named `text`; 0 when there is none. */
static uint32_t resolve_pid(const char* text)
{
    char* end = NULL;
    unsigned long number = strtoul(text, &end, 10);
    if (end && *end == 0 && end != text)
        return (uint32_t)number;
    for (uint32_t index = 0;; ++index) {
        char name[64];
        azoth_process_info_t info;
        if (azoth_process_list(index, name, sizeof name - 1, &info) != AZOTH_OK)
            return 0;
        name[info.name_length < sizeof name ? info.name_length : sizeof name - 1] = 0;
        if (strcmp(name, text) == 0 && info.state != AZOTH_PROCESS_EXITED)
            return info.pid;
    }
}

static int command_kill(int argc, char** argv)
{
    if (argc < 2) {
        put("usage: kill PID|NAME...\n");
        return 2;
    }
    int result = 0;
    for (int i = 1; i < argc; ++i) {
        uint32_t pid = resolve_pid(argv[i]);
        azoth_status_t status = pid ? azoth_process_kill(pid) : AZOTH_E_NOT_FOUND;
        if (status == AZOTH_OK) {
            printf("kill: %s (pid %u) killed\n", argv[i], (unsigned)pid);
        } else {
            printf("kill: %s: %s\n", argv[i],
                status == AZOTH_E_NOT_FOUND ? "no such process"
                    : status == AZOTH_E_PERMISSION_DENIED ? "not allowed (init, an exec program and azsh itself cannot be killed)"
                                                          : status_text(status));
            result = 1;
        }
    }
    return result;
}

static int command_reset(int argc, char** argv)
{
    if (argc < 2) {
        put("usage: reset PID|NAME...\n");
        return 2;
    }
    int result = 0;
    for (int i = 1; i < argc; ++i) {
        uint32_t pid = resolve_pid(argv[i]);
        azoth_status_t status = pid ? azoth_process_reset(pid) : AZOTH_E_NOT_FOUND;
        if (status == AZOTH_OK) {
            printf("reset: %s (pid %u) goes back to its state before _start and starts again\n", argv[i], (unsigned)pid);
        } else {
            printf("reset: %s: %s\n", argv[i],
                status == AZOTH_E_NOT_FOUND ? "no such process"
                    : status == AZOTH_E_PERMISSION_DENIED ? "not allowed (init, an exec program and azsh itself cannot be reset)"
                    : status == AZOTH_E_UNSUPPORTED       ? "it has no snapshot to go back to"
                                                          : status_text(status));
            result = 1;
        }
    }
    return result;
}

static int command_run(int argc, char** argv)
{
    int background = argc > 1 && strcmp(argv[argc - 1], "&") == 0;
    if (background)
        --argc;
    if (argc < 2) {
        put("usage: run MODULE [ARGS] [&]\n");
        return 2;
    }
    int index = module_index(argv[1]);
    if (index < 0) {
        printf("run: %s: no such module (`modules` lists them)\n", argv[1]);
        return 1;
    }
    char arguments[1024];
    size_t used = 0;
    arguments[0] = 0;
    for (int i = 2; i < argc; ++i) {
        int wrote = snprintf(arguments + used, sizeof arguments - used, "%s%s", used ? " " : "", argv[i]);
        if (wrote < 0 || (size_t)wrote >= sizeof arguments - used) {
            put("run: arguments too long\n");
            return 2;
        }
        used += (size_t)wrote;
    }
    job* slot = job_of(0);
    if (!slot) {
        printf("run: %d jobs are running already\n", max_jobs);
        return 1;
    }
    uint32_t child = 0;
    /* No words after the name: the manifest's own args; else argv = the name and the words. */
    azoth_status_t status = argc == 2 ? azoth_spawn((uint32_t)index, &child)
                                      : azoth_spawn_args((uint32_t)index, arguments, (uint32_t)used, &child);
    if (status != AZOTH_OK) {
        printf("run: %s: %s\n", argv[1], status_text(status));
        return 1;
    }
    slot->child = child;
    slot->background = background;
    snprintf(slot->name, sizeof slot->name, "%s", argv[1]);
    if (background) {
        printf("[%u] %s\n", (unsigned)child, argv[1]);
        return 0;
    }
    flush();
    /* Foreground: wait for this child; Ctrl-C kills it; other children's ends are reported. */
    for (;;) {
        azoth_child_exit_t event;
        azoth_status_t waited = azoth_wait(0, &event);
        if (waited == AZOTH_OK) {
            job* ended = job_of(event.child);
            if (ended && ended->child == child) {
                describe_exit(&event, argv[1]);
                ended->child = 0;
                return event.kind == AZOTH_EXIT_EXITED ? (int)event.exit_code : 1;
            }
            if (ended) {
                char label[48];
                snprintf(label, sizeof label, "[%u] %s", (unsigned)ended->child, ended->name);
                describe_exit(&event, label);
                ended->child = 0;
            }
            continue;
        }
        if (input_ready(20 * 1000 * 1000)) {
            int byte = next_byte();
            if (byte == 0x03 || byte < 0) {
                put("^C\n");
                azoth_kill(child);
            }
        }
    }
}

static int command_jobs(int argc, char** argv)
{
    (void)argc;
    (void)argv;
    reap_jobs();
    for (int i = 0; i < max_jobs; ++i) {
        if (jobs[i].child)
            printf("[%u] %s\n", (unsigned)jobs[i].child, jobs[i].name);
    }
    return 0;
}

static int command_modules(int argc, char** argv)
{
    (void)argc;
    (void)argv;
    uint32_t count = 0;
    azoth_status_t status = azoth_module_count(&count);
    if (status != AZOTH_OK) {
        printf("modules: %s\n", status_text(status));
        return 1;
    }
    static const char* restart_names[] = { "never", "on-failure", "always" };
    printf("%-24s %s\n", "MODULE", "RESTART");
    for (uint32_t i = 0; i < count; ++i) {
        char name[64];
        azoth_module_info_t info;
        if (azoth_module_info(i, name, sizeof name - 1, &info) != AZOTH_OK)
            continue;
        name[info.name_length < sizeof name ? info.name_length : sizeof name - 1] = 0;
        printf("%-24s %s\n", name, info.restart < 3 ? restart_names[info.restart] : "?");
    }
    return 0;
}

static int command_mem(int argc, char** argv)
{
    (void)argc;
    (void)argv;
    azoth_memory_stats_t stats;
    azoth_status_t status = azoth_memory_stats(&stats);
    if (status != AZOTH_OK) {
        printf("mem: %s\n", status_text(status));
        return 1;
    }
    printf("free          %8llu KiB\n", (unsigned long long)stats.free_frames * 4);
    printf("linear memory %8llu KiB\n", (unsigned long long)stats.linear_memory_frames * 4);
    printf("page tables   %8llu KiB\n", (unsigned long long)stats.page_table_frames * 4);
    printf("kernel heap   %8llu KiB\n", (unsigned long long)stats.kernel_heap_frames * 4);
    return 0;
}

static int command_uptime(int argc, char** argv)
{
    (void)argc;
    (void)argv;
    struct timespec now;
    if (clock_gettime(CLOCK_MONOTONIC, &now) != 0) {
        printf("uptime: %s\n", strerror(errno));
        return 1;
    }
    unsigned long long seconds = (unsigned long long)now.tv_sec;
    printf("up %llu:%02llu:%02llu.%03ld\n", seconds / 3600, seconds / 60 % 60, seconds % 60, now.tv_nsec / 1000000);
    return 0;
}

/* What a PCI function is, for the ones QEMU's machines and tools/qemu-run give (else its class). */
static const char* device_kind(const azoth_pci_info_t* info)
{
    static const struct {
        uint32_t vendor, device;
        const char* name;
    } known[] = {
        { 0x1af4, 0x1041, "virtio network" }, { 0x1af4, 0x1042, "virtio block" }, { 0x1af4, 0x1043, "virtio console" },
        { 0x1af4, 0x1044, "virtio entropy" }, { 0x1af4, 0x1050, "virtio gpu" }, { 0x1af4, 0x1052, "virtio input" },
        { 0x1b36, 0x0008, "PCIe host bridge" }, { 0x1b36, 0x000c, "PCIe root port" }, { 0x8086, 0x29c0, "q35 host bridge" },
        { 0x8086, 0x2918, "ICH9 LPC bridge" }, { 0x8086, 0x2922, "ICH9 SATA" }, { 0x8086, 0x2930, "ICH9 SMBus" },
        { 0x1234, 0x1111, "VGA display" },
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; ++i) {
        if (known[i].vendor == info->vendor && known[i].device == info->device)
            return known[i].name;
    }
    return info->header_type == 1 ? "bridge" : "function";
}

static int command_devices(int argc, char** argv)
{
    (void)argc;
    (void)argv;
    printf("%-8s %-9s %-6s %s\n", "ADDRESS", "VENDOR:ID", "CLASS", "KIND");
    for (uint32_t index = 0;; ++index) {
        azoth_pci_info_t info;
        azoth_status_t status = azoth_pci_list(index, &info);
        if (status == AZOTH_E_NOT_FOUND)
            break;
        if (status != AZOTH_OK) {
            printf("devices: %s\n", status_text(status));
            return 1;
        }
        printf("%02x:%02x.%x  %04x:%04x %06x %s\n", (unsigned)(info.address >> 8), (unsigned)(info.address >> 3 & 31),
            (unsigned)(info.address & 7), (unsigned)info.vendor, (unsigned)info.device, (unsigned)info.class_code,
            device_kind(&info));
    }
    return 0;
}

static int command_clear(int argc, char** argv)
{
    (void)argc;
    (void)argv;
    put("\x1b[2J\x1b[H");
    return 0;
}

static int command_history(int argc, char** argv)
{
    (void)argc;
    (void)argv;
    unsigned oldest = history_count > history_size ? history_count - history_size : 0;
    for (unsigned i = oldest; i < history_count; ++i)
        printf("%4u  %s\n", i + 1, history[i % history_size]);
    return 0;
}

/* ---- Files (WASI) ---- */

/* The first preopened directory (WASI fds from 3), azsh's starting and `cd` directory; empty when
 * there is none (booted today: no file system is mounted until the VFS service exists). */
static char home[256];

static void find_home(void)
{
    for (__wasi_fd_t fd = 3; fd < 64; ++fd) {
        __wasi_prestat_t prestat;
        if (__wasi_fd_prestat_get(fd, &prestat) != 0)
            break;
        if (prestat.tag != __WASI_PREOPENTYPE_DIR || prestat.u.dir.pr_name_len >= sizeof home)
            continue;
        if (__wasi_fd_prestat_dir_name(fd, (uint8_t*)home, prestat.u.dir.pr_name_len) != 0) {
            home[0] = 0;
            continue;
        }
        home[prestat.u.dir.pr_name_len] = 0;
        if (chdir(home) == 0)
            return;
        home[0] = 0;
    }
}

/* A file command's error, with why when there is no file system at all. */
static int file_error(const char* command, const char* path)
{
    int error = errno;
    const char* why = "";
    if (!home[0])
        why = " (no file system is mounted: the booted VFS service is not built yet)";
    else if (error == ENOTCAPABLE)
        why = " (outside the preopened directories)";
    printf("%s: %s: %s%s\n", command, path, strerror(error), why);
    return 1;
}

static int command_pwd(int argc, char** argv)
{
    (void)argc;
    (void)argv;
    char path[512];
    if (!getcwd(path, sizeof path))
        return file_error("pwd", ".");
    printf("%s\n", path);
    return 0;
}

/* `path` made absolute against the current directory, with "." and ".." taken out lexically (a
 * ".." above the root stays at the root), into `out`. 0 when it does not fit. */
static int absolute_path(const char* path, char* out, size_t capacity)
{
    char joined[1024];
    if (path[0] == '/')
        snprintf(joined, sizeof joined, "%s", path);
    else {
        char current[512];
        if (!getcwd(current, sizeof current))
            return 0;
        if ((size_t)snprintf(joined, sizeof joined, "%s/%s", current, path) >= sizeof joined)
            return 0;
    }
    size_t length = 0;
    out[length] = 0;
    for (char* part = strtok(joined, "/"); part; part = strtok(NULL, "/")) {
        if (strcmp(part, ".") == 0)
            continue;
        if (strcmp(part, "..") == 0) {
            while (length > 0 && out[length - 1] != '/')
                --length;
            if (length > 0)
                --length; /* the slash */
            out[length] = 0;
            continue;
        }
        size_t part_length = strlen(part);
        if (length + 1 + part_length + 1 > capacity)
            return 0;
        out[length++] = '/';
        memcpy(out + length, part, part_length);
        length += part_length;
        out[length] = 0;
    }
    if (length == 0) {
        if (capacity < 2)
            return 0;
        out[0] = '/';
        out[1] = 0;
    }
    return 1;
}

static int command_cd(int argc, char** argv)
{
    const char* path = argc > 1 ? argv[1] : home[0] ? home : "/";
    char target[512];
    if (!absolute_path(path, target, sizeof target)) {
        printf("cd: %s: path too long\n", path);
        return 1;
    }
    if (chdir(target) != 0)
        return file_error("cd", path);
    return 0;
}

static int command_ls(int argc, char** argv)
{
    const char* path = argc > 1 ? argv[1] : ".";
    struct stat info;
    if (stat(path, &info) != 0)
        return file_error("ls", path);
    if (!S_ISDIR(info.st_mode)) {
        printf("%10lld  %s\n", (long long)info.st_size, path);
        return 0;
    }
    DIR* directory = opendir(path);
    if (!directory)
        return file_error("ls", path);
    struct dirent* entry;
    while ((entry = readdir(directory)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        char full[768];
        snprintf(full, sizeof full, "%s/%s", path, entry->d_name);
        if (stat(full, &info) == 0 && S_ISDIR(info.st_mode))
            printf("%10s  %s/\n", "<dir>", entry->d_name);
        else if (stat(full, &info) == 0)
            printf("%10lld  %s\n", (long long)info.st_size, entry->d_name);
        else
            printf("%10s  %s\n", "?", entry->d_name);
    }
    closedir(directory);
    return 0;
}

static int copy_file(const char* command, const char* from, const char* to)
{
    int input = open(from, O_RDONLY);
    if (input < 0)
        return file_error(command, from);
    int output = to ? open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644) : 1;
    if (output < 0) {
        close(input);
        return file_error(command, to);
    }
    if (!to)
        flush();
    char buffer[4096];
    int result = 0;
    for (;;) {
        ssize_t got = read(input, buffer, sizeof buffer);
        if (got < 0) {
            result = file_error(command, from);
            break;
        }
        if (got == 0)
            break;
        for (ssize_t done = 0; done < got;) {
            ssize_t wrote = write(output, buffer + done, (size_t)(got - done));
            if (wrote <= 0) {
                result = file_error(command, to ? to : "stdout");
                got = 0;
                break;
            }
            done += wrote;
        }
        if (got == 0 && result)
            break;
    }
    close(input);
    if (to)
        close(output);
    return result;
}

static int command_cat(int argc, char** argv)
{
    if (argc < 2) {
        put("usage: cat FILE...\n");
        return 2;
    }
    int result = 0;
    for (int i = 1; i < argc; ++i)
        result |= copy_file("cat", argv[i], NULL);
    return result;
}

static int command_cp(int argc, char** argv)
{
    if (argc != 3) {
        put("usage: cp FROM TO\n");
        return 2;
    }
    return copy_file("cp", argv[1], argv[2]);
}

static int command_mv(int argc, char** argv)
{
    if (argc != 3) {
        put("usage: mv FROM TO\n");
        return 2;
    }
    if (rename(argv[1], argv[2]) != 0)
        return file_error("mv", argv[1]);
    return 0;
}

static int command_rm(int argc, char** argv)
{
    if (argc < 2) {
        put("usage: rm FILE...\n");
        return 2;
    }
    int result = 0;
    for (int i = 1; i < argc; ++i) {
        if (unlink(argv[i]) != 0 && rmdir(argv[i]) != 0)
            result |= file_error("rm", argv[i]);
    }
    return result;
}

static int command_mkdir(int argc, char** argv)
{
    if (argc < 2) {
        put("usage: mkdir DIRECTORY...\n");
        return 2;
    }
    int result = 0;
    for (int i = 1; i < argc; ++i) {
        if (mkdir(argv[i], 0755) != 0)
            result |= file_error("mkdir", argv[i]);
    }
    return result;
}

/* ---- Dispatch ---- */

typedef struct {
    const char* name;
    command_function run;
    const char* usage;
} command;

static const command commands[] = {
    { "help", command_help, "help                 this list" },
    { "echo", command_echo, "echo WORDS           print the words" },
    { "ps", command_ps, "ps                   every process: pid, parent, state, CPU, memory" },
    { "kill", command_kill, "kill PID|NAME...     kill processes (init restarts them per manifest)" },
    { "reset", command_reset, "reset PID|NAME...    put processes back to their state before _start (memory, handles)" },
    { "run", command_run, "run MODULE [ARGS] [&] start a module of the initrd (its manifest's args unless ARGS;\n"
                          "                       & in the background; Ctrl-C stops a foreground one)" },
    { "jobs", command_jobs, "jobs                 modules started with run ... &" },
    { "modules", command_modules, "modules              the initrd's modules" },
    { "mem", command_mem, "mem                  physical memory use" },
    { "uptime", command_uptime, "uptime               time since boot" },
    { "devices", command_devices, "devices              PCI functions" },
    { "clear", command_clear, "clear                clear the screen" },
    { "history", command_history, "history              the last commands (Up/Down recall them)" },
    { "ls", command_ls, "ls [PATH]            list a directory" },
    { "cat", command_cat, "cat FILE...          print files" },
    { "cp", command_cp, "cp FROM TO           copy a file" },
    { "mv", command_mv, "mv FROM TO           rename" },
    { "rm", command_rm, "rm PATH...           remove files or empty directories" },
    { "mkdir", command_mkdir, "mkdir DIRECTORY...   make directories" },
    { "cd", command_cd, "cd [DIRECTORY]       change directory (none: the first preopened one)" },
    { "pwd", command_pwd, "pwd                  the current directory" },
    { "exit", NULL, "exit [CODE]          leave azsh" },
};

static int command_help(int argc, char** argv)
{
    (void)argc;
    (void)argv;
    put("azsh commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; ++i)
        printf("  %s\n", commands[i].usage);
    return 0;
}

int main(int argc, char** argv)
{
    (void)argc;
    (void)argv;
    static char buffer[max_line + 1];
    static char line_copy[max_line + 1];
    /* The console's echo off: azsh echoes and edits itself (it comes back on when azsh ends). */
    editing = azoth_console_set_echo(0) == AZOTH_OK;
    find_home();
    put("azsh: ready (type help)\n");
    int last_status = 0;
    for (;;) {
        reap_jobs();
        if (!read_line("azsh$ ", buffer))
            break;
        history_add(buffer);
        memcpy(line_copy, buffer, sizeof line_copy);
        char* words[max_words];
        int count = split_words(line_copy, words);
        if (count <= 0)
            continue;
        if (strcmp(words[0], "exit") == 0) {
            last_status = count > 1 ? atoi(words[1]) : 0;
            flush();
            return last_status;
        }
        const command* found = NULL;
        for (size_t i = 0; i < sizeof commands / sizeof commands[0]; ++i) {
            if (strcmp(commands[i].name, words[0]) == 0)
                found = &commands[i];
        }
        if (!found) {
            printf("azsh: %.64s: unknown command (type help)\n", words[0]);
            last_status = 127;
            continue;
        }
        last_status = found->run(count, words);
        flush();
    }
    flush();
    return 0;
}
