// Layout of the .ksyms section (written by generate_symbols.py, little-endian):
//   u32 magic "KSYM", u32 count, then `count` entries { u64 address; u32 name_offset; u32 name_length }
//   sorted by address, then the names. Everything is bounds-checked against the section: a broken
//   table gives "no symbol", never a wild read inside a panic.
#include <kernel/debug/Symbols.h>
#include <kernel/lib/Bits.h>
#include <kernel/lib/Span.h>

extern "C" const ath::u8 __ksyms_start[];
extern "C" const ath::u8 __ksyms_end[];

namespace ath::debug {

namespace {

constexpr u32 symbol_table_magic = 0x4D59534B; // "KSYM"
constexpr usize header_size = 8;
constexpr usize entry_size = 16;

struct Table {
    ReadonlyBytes bytes;
    u32 count;

    u64 address(u32 index) const { return load_le<u64>(bytes.data() + header_size + usize(index) * entry_size); }
};

Optional<Table> table()
{
    ReadonlyBytes bytes(__ksyms_start, usize(__ksyms_end - __ksyms_start));
    if (bytes.size() < header_size || load_le<u32>(bytes.data()) != symbol_table_magic)
        return none;
    u32 count = load_le<u32>(bytes.data() + 4);
    if ((bytes.size() - header_size) / entry_size < count)
        return none;
    return Table { bytes, count };
}

} // namespace

usize symbol_count()
{
    auto symbols = table();
    return symbols.has_value() ? symbols->count : 0;
}

Optional<SymbolLocation> find_symbol(u64 address)
{
    auto symbols = table();
    if (!symbols.has_value() || symbols->count == 0 || address < symbols->address(0))
        return none;
    // Last entry whose address is <= `address`.
    u32 low = 0;
    u32 high = symbols->count;
    while (high - low > 1) {
        u32 middle = low + (high - low) / 2;
        if (symbols->address(middle) <= address)
            low = middle;
        else
            high = middle;
    }
    const u8* entry = symbols->bytes.data() + header_size + usize(low) * entry_size;
    u32 name_offset = load_le<u32>(entry + 8);
    u32 name_length = load_le<u32>(entry + 12);
    auto name = symbols->bytes.try_slice(name_offset, name_length);
    if (!name.has_value())
        return none;
    u64 offset = address - symbols->address(low);
    // The last symbol has no end; refuse absurd distances rather than blame it for everything after.
    if (low + 1 == symbols->count && offset > u64(1024) * 1024)
        return none;
    return SymbolLocation { StringView(*name), offset };
}

} // namespace ath::debug
