// The base library, the virtual range allocator, the symbol table and the command line, compiled
// freestanding and run on the real CPU (the hosted tests cover the logic; these catch what the
// freestanding build does differently: SSE floats, 64-bit atomics, codegen).
#include <kernel/debug/Symbols.h>
#include <kernel/lib/Bitmap.h>
#include <kernel/lib/Format.h>
#include <kernel/main/CommandLine.h>
#include <kernel/mm/MemoryLayout.h>
#include <kernel/mm/LinearMemoryReservations.h>
#include <kernel/arch/Arch.h>
#include <kernel/selftest/SelfTest.h>

namespace ath {

ATH_SELFTEST(library_format_and_floats)
{
    char buffer[96];
    auto text = format_to(Span<char>(buffer, sizeof(buffer)), "{} {:#x} {:08x} {} {}", -42, 255u, 0xBEEFu, "ok", 2.5);
    EXPECT(text == StringView("-42 0xff 0000beef ok 2.500"));
    volatile f64 a = 1.5;
    volatile f32 b = 0.25f;
    EXPECT(a * 4.0 == 6.0 && b + b == 0.5f);
    char tiny[4];
    EXPECT(format_to(Span<char>(tiny, sizeof(tiny)), "{}", 123456) == StringView("123"));
    return {};
}

ATH_SELFTEST(library_bitmap)
{
    FixedBitmap<300> bits;
    auto view = bits.view();
    view.set_range(10, 100, true);
    EXPECT(view.count_set() == 100);
    EXPECT(view.find_first(false, 10) == Optional<usize>(110));
    EXPECT(view.find_run(false, 150) == Optional<usize>(110));
    EXPECT(!view.find_run(false, 200).has_value());
    return {};
}

ATH_SELFTEST(virtual_ranges_for_linear_memories)
{
    u64 available = mm::linear_memory_reservations_free();
    EXPECT(available == mm::linear_memory_window_size / (mm::linear_memory_reservation + mm::linear_memory_guard));
    mm::VirtualRange reserved[3];
    for (auto& range : reserved) {
        range = TRY(mm::reserve_linear_memory());
        EXPECT(range.base.is_aligned(mm::linear_memory_reservation) && range.size == mm::linear_memory_reservation);
        // Reserving is not mapping: nothing in the range or its guard is backed.
        EXPECT(!Arch::Mmu::translate(range.base).has_value());
        EXPECT(!Arch::Mmu::translate(range.end()).has_value());
    }
    for (usize i = 1; i < 3; ++i)
        EXPECT(reserved[i].base.get() >= reserved[i - 1].end().get() + mm::linear_memory_guard);
    EXPECT(mm::linear_memory_reservations_free() == available - 3);
    TRY(mm::release_linear_memory(reserved[1]));
    EXPECT(mm::release_linear_memory(reserved[1]).is_error()); // already free
    auto again = TRY(mm::reserve_linear_memory());
    EXPECT(again.base == reserved[1].base);
    TRY(mm::release_linear_memory(again));
    TRY(mm::release_linear_memory(reserved[0]));
    TRY(mm::release_linear_memory(reserved[2]));
    EXPECT(mm::linear_memory_reservations_free() == available);
    return {};
}

ATH_SELFTEST(symbols_name_kernel_functions)
{
    EXPECT(debug::symbol_count() > 100);
    auto address = reinterpret_cast<u64>(&Arch::cycle_counter);
    auto symbol = debug::find_symbol(address + 1);
    EXPECT(symbol.has_value());
    EXPECT(symbol->offset == 1);
    StringView name = symbol->name;
    bool mentions = false;
    for (usize i = 0; i + 13 <= name.length(); ++i)
        mentions = mentions || name.substring(i, 13) == StringView("cycle_counter");
    if (!mentions)
        return selftest::failure("address of Arch::cycle_counter resolved to '{}'", name);
    EXPECT(!debug::find_symbol(0x1000).has_value());
    return {};
}

ATH_SELFTEST(command_line_words)
{
    auto line = TRY(CommandLine::create("  selftest\tquiet=1 panic-test\n"));
    EXPECT(line.has_word("selftest") && line.has_word("panic-test") && line.has_word("quiet=1"));
    EXPECT(!line.has_word("self") && !line.has_word("test") && !line.has_word(""));
    char long_line[CommandLine::max_length + 1];
    for (auto& c : long_line)
        c = 'x';
    EXPECT(CommandLine::create(StringView(long_line, sizeof(long_line))).is_error());
    return {};
}

} // namespace ath
