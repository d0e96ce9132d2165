#pragma once

// The on-disk FAT format as this library reads and writes it: little-endian fields, the 32-byte
// directory entry (short and long-name forms) and the FAT date/time encoding. Field offsets are
// those of Microsoft's FAT specification (fatgen103).
#include <kernel/lib/Types.h>

namespace ath::fat {

inline u16 load16(const u8* p) { return static_cast<u16>(p[0] | (p[1] << 8)); }
inline u32 load32(const u8* p) { return static_cast<u32>(p[0]) | (static_cast<u32>(p[1]) << 8) | (static_cast<u32>(p[2]) << 16) | (static_cast<u32>(p[3]) << 24); }
inline u64 load64(const u8* p) { return static_cast<u64>(load32(p)) | (static_cast<u64>(load32(p + 4)) << 32); }
inline void store16(u8* p, u16 v)
{
    p[0] = static_cast<u8>(v);
    p[1] = static_cast<u8>(v >> 8);
}
inline void store32(u8* p, u32 v)
{
    store16(p, static_cast<u16>(v));
    store16(p + 2, static_cast<u16>(v >> 16));
}

inline constexpr u32 entry_size = 32;
// A directory holds at most 65536 entries (2 MiB), the limit of the specification.
inline constexpr u32 max_directory_entries = 65536;

namespace entry {
inline constexpr u32 name = 0;          // 11 bytes: 8 + 3, space padded
inline constexpr u32 attributes = 11;
inline constexpr u32 case_flags = 12;   // Windows NT: bit 3 base lower case, bit 4 extension lower case
inline constexpr u32 create_tenths = 13;
inline constexpr u32 create_time = 14;
inline constexpr u32 create_date = 16;
inline constexpr u32 access_date = 18;
inline constexpr u32 cluster_high = 20;
inline constexpr u32 write_time = 22;
inline constexpr u32 write_date = 24;
inline constexpr u32 cluster_low = 26;
inline constexpr u32 size = 28;

inline constexpr u8 free_marker = 0xE5; // name[0]: deleted entry
inline constexpr u8 end_marker = 0x00;  // name[0]: this and every later entry is free
inline constexpr u8 kanji_e5 = 0x05;    // name[0]: a real 0xE5 first character

inline constexpr u8 read_only = 0x01, hidden = 0x02, system = 0x04, volume_label = 0x08, directory = 0x10, archive = 0x20;
inline constexpr u8 long_name = 0x0F;   // read_only | hidden | system | volume_label
inline constexpr u8 lower_base = 0x08, lower_extension = 0x10;

// Long-name entries: sequence number (0x40 on the last, which comes first on disk), 13 UTF-16
// units in three pieces, the short name's checksum.
inline constexpr u32 long_order = 0;
inline constexpr u32 long_checksum = 13;
inline constexpr u8 long_last = 0x40;
inline constexpr u32 long_units = 13;
inline constexpr u32 long_piece_offsets[long_units] = { 1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30 };
} // namespace entry

inline u32 entry_cluster(const u8* e) { return (static_cast<u32>(load16(e + entry::cluster_high)) << 16) | load16(e + entry::cluster_low); }
inline void set_entry_cluster(u8* e, u32 cluster)
{
    store16(e + entry::cluster_high, static_cast<u16>(cluster >> 16));
    store16(e + entry::cluster_low, static_cast<u16>(cluster));
}

// --- time ---------------------------------------------------------------------------------------
// FAT stores local time; this library stores UTC. Dates run 1980-01-01 .. 2107-12-31, times in
// 2-second steps (creation time adds 10 ms units); a time outside the range is clamped.

inline constexpr u64 nanoseconds_per_second = 1'000'000'000ull;

// Days since 1970-01-01 of a proleptic Gregorian date.
constexpr i64 days_from_civil(i64 year, u32 month, u32 day)
{
    year -= month <= 2;
    const i64 era = (year >= 0 ? year : year - 399) / 400;
    const u32 year_of_era = static_cast<u32>(year - era * 400);
    const u32 day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    const u32 day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + static_cast<i64>(day_of_era) - 719468;
}

struct CivilDate {
    i64 year;
    u32 month;
    u32 day;
};

constexpr CivilDate civil_from_days(i64 days)
{
    days += 719468;
    const i64 era = (days >= 0 ? days : days - 146096) / 146097;
    const u32 day_of_era = static_cast<u32>(days - era * 146097);
    const u32 year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    const u32 day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    const u32 mp = (5 * day_of_year + 2) / 153;
    const u32 day = day_of_year - (153 * mp + 2) / 5 + 1;
    const u32 month = mp < 10 ? mp + 3 : mp - 9;
    return { static_cast<i64>(year_of_era) + era * 400 + (month <= 2), month, day };
}

struct FatTimestamp {
    u16 date { 0 };
    u16 time { 0 };
    u8 tenths { 0 }; // 10 ms units, 0..199 (creation time only)
};

constexpr u64 fat_epoch_seconds = 315532800ull;               // 1980-01-01T00:00:00Z
constexpr u64 fat_last_seconds = 4354819199ull;              // 2107-12-31T23:59:59Z

constexpr FatTimestamp fat_from_ns(u64 ns)
{
    u64 seconds = ns / nanoseconds_per_second;
    if (seconds < fat_epoch_seconds)
        return { static_cast<u16>((0 << 9) | (1 << 5) | 1), 0, 0 };
    if (seconds > fat_last_seconds)
        seconds = fat_last_seconds;
    i64 days = static_cast<i64>(seconds / 86400);
    u32 second_of_day = static_cast<u32>(seconds % 86400);
    CivilDate civil = civil_from_days(days);
    FatTimestamp out;
    out.date = static_cast<u16>(((civil.year - 1980) << 9) | (civil.month << 5) | civil.day);
    out.time = static_cast<u16>(((second_of_day / 3600) << 11) | (((second_of_day / 60) % 60) << 5) | ((second_of_day % 60) / 2));
    out.tenths = static_cast<u8>(u64(second_of_day % 2) * 100 + (ns % nanoseconds_per_second) / 10'000'000ull);
    return out;
}

// A date of 0 (never set) reads as the FAT epoch; out-of-range fields are clamped, never trusted.
constexpr u64 ns_from_fat(u16 date, u16 time, u8 tenths)
{
    u32 year = 1980 + (date >> 9);
    u32 month = (date >> 5) & 15;
    u32 day = date & 31;
    if (month < 1 || month > 12)
        month = 1;
    if (day < 1)
        day = 1;
    u32 hours = time >> 11;
    u32 minutes = (time >> 5) & 63;
    u32 seconds = (time & 31) * 2;
    if (hours > 23)
        hours = 23;
    if (minutes > 59)
        minutes = 59;
    if (tenths > 199)
        tenths = 199;
    i64 days = days_from_civil(year, month, day);
    u64 total = static_cast<u64>(days) * 86400 + u64(hours) * 3600 + u64(minutes) * 60 + seconds;
    return total * nanoseconds_per_second + static_cast<u64>(tenths) * 10'000'000ull;
}

} // namespace ath::fat
