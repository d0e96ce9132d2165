// The WASI parity program in C++ (tests/wasi/parity/README.md).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <random>
#include <vector>

int main(int argc, char** argv)
{
    std::printf("parity: argc-1=%d\n", argc - 1);
    for (int i = 1; i < argc; ++i)
        std::printf("parity: argv[%d]=%s\n", i, argv[i]);
    const char* greeting = std::getenv("GREETING");
    std::printf("parity: GREETING=%s\n", greeting ? greeting : "(unset)");
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    std::printf("parity: realtime after 2020: %s\n", seconds > 1577836800 ? "yes" : "no");
    auto first = std::chrono::steady_clock::now();
    auto second = std::chrono::steady_clock::now();
    std::printf("parity: monotonic: %s\n", second >= first ? "yes" : "no");
    std::random_device device; // wasi-libc: getentropy -> random_get
    unsigned bits = 0;
    for (int i = 0; i < 8; ++i)
        bits |= device();
    std::printf("parity: random: %s\n", bits ? "ok" : "FAIL");
    std::vector<long> numbers(1000);
    std::iota(numbers.begin(), numbers.end(), 1);
    std::printf("parity: sum 1..1000=%ld\n", std::accumulate(numbers.begin(), numbers.end(), 0L));
    std::fflush(stdout);
    std::fprintf(stderr, "parity: to stderr\n");
    return 3;
}
