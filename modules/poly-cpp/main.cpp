// poly-cpp: the C++ member of the polyglot ring (modules/README.md, "The polyglot ring"). It
// serves the endpoint `poly-cpp` (OP_ID: its language id, OP_MIX: the ring's mixing function) and
// calls the next member, named by argv[1], checking its answers against its own mix.
#include <azoth.hpp>
#include <cstdio>

namespace {

constexpr uint64_t LANG_ID = 2;
constexpr uint64_t OP_ID = 0;
constexpr uint64_t OP_MIX = 1;

constexpr uint64_t mix(uint64_t a, uint64_t b, uint64_t id) { return (a ^ id) * 0x100000001B3ull + b; }

uint64_t handle(const uint64_t (&words)[4])
{
    switch (words[0]) {
    case OP_ID: return LANG_ID;
    case OP_MIX: return mix(words[1], words[2], LANG_ID);
    default: return ~uint64_t(0);
    }
}

struct Step {
    azoth::Status status { AZOTH_OK };
    bool wrong_answer { false };
    uint64_t id { 0 };
};

Step ring_step(const char* next)
{
    auto endpoint = azoth::Endpoint::find(next); // closed at the end of the scope
    if (!endpoint)
        return { endpoint.status() };
    auto id = endpoint->call(OP_ID);
    if (!id)
        return { id.status() };
    constexpr uint64_t a = 0x0123456789ABCDEFull, b = 0xFEDCBA9876543210ull;
    auto mixed = endpoint->call(OP_MIX, a, b);
    if (!mixed)
        return { mixed.status() };
    if ((*mixed)[0] != mix(a, b, (*id)[0]) || (*id)[0] == LANG_ID)
        return { AZOTH_OK, true };
    return { AZOTH_OK, false, (*id)[0] };
}

} // namespace

AZOTH_SERVE(handle)

int main(int argc, char** argv)
{
    if (argc < 2) {
        std::printf("poly-cpp: FAIL no next member in args\n");
        return 1;
    }
    auto pause = azoth::Event::create();
    if (!pause)
        return 1;
    for (int attempt = 0;; ++attempt) {
        Step step = ring_step(argv[1]);
        if (step.status == AZOTH_OK && !step.wrong_answer) {
            std::printf("poly-cpp: %s (language %llu) mixed correctly\n", argv[1], static_cast<unsigned long long>(step.id));
            break;
        }
        // Not up yet (E_NOT_FOUND) or busy calling around the ring (E_BUSY): retry, letting go of
        // this module meanwhile (event_wait, not a sleep).
        bool retry = step.status == AZOTH_E_NOT_FOUND || step.status == AZOTH_E_BUSY;
        if (!retry || attempt == 3000) {
            std::printf("poly-cpp: FAIL calling %s: %s\n", argv[1], step.wrong_answer ? "wrong answer" : azoth::status_name(step.status));
            return 1;
        }
        (void)pause->wait(1, 10000000ull);
    }
    std::fflush(stdout);
    azoth::Status ended = azoth::serve_forever();
    std::printf("poly-cpp: FAIL serving: %s\n", azoth::status_name(ended));
    return 1;
}
