// A C++ (libc++) WASI command: containers, algorithms, strings and iostreams from the standard
// library running on Azoth's engine.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <map>
#include <numeric>
#include <string>
#include <vector>

int main(int argc, char** argv)
{
    std::vector<std::string> words(argv + 1, argv + argc);
    std::sort(words.begin(), words.end());
    std::cout << "sorted:";
    for (auto& w : words)
        std::cout << ' ' << w;
    std::cout << '\n';

    std::map<char, int> letters;
    for (auto& w : words)
        for (char c : w)
            ++letters[c];
    std::cout << "distinct letters: " << letters.size() << '\n';

    std::vector<std::uint64_t> fib(90);
    fib[0] = 0;
    fib[1] = 1;
    for (size_t i = 2; i < fib.size(); ++i)
        fib[i] = fib[i - 1] + fib[i - 2];
    std::cout << "fib(89): " << fib[89] << '\n';
    std::cout << "sum 1..100000: " << [] {
        std::vector<std::uint64_t> v(100000);
        std::iota(v.begin(), v.end(), 1);
        return std::accumulate(v.begin(), v.end(), std::uint64_t(0));
    }() << '\n';

    auto t0 = std::chrono::steady_clock::now();
    auto t1 = std::chrono::steady_clock::now();
    std::cout << "steady clock monotonic: " << (t1 >= t0 ? "yes" : "no") << '\n';
    return 0;
}
