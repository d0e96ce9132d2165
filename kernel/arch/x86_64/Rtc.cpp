// The MC146818-compatible CMOS clock at ports 0x70/0x71: wall-clock time for WASI's realtime
// clock (the monotonic clock stays the HPET's). Read until two consecutive reads agree, so an
// update in progress never yields a torn value.
#include <kernel/arch/Arch.h>
#include <kernel/arch/x86_64/Registers.h>

namespace ath::x86_64 {

namespace {

constexpr u16 cmos_index = 0x70;
constexpr u16 cmos_data = 0x71;

u8 cmos_read(u8 reg)
{
    out8(cmos_index, reg);
    return in8(cmos_data);
}

struct RtcTime {
    u8 second, minute, hour, day, month, year, century, status_b;
    bool operator==(const RtcTime&) const = default;
};

RtcTime read_once()
{
    while (cmos_read(0x0A) & 0x80) { } // update in progress
    return { cmos_read(0x00), cmos_read(0x02), cmos_read(0x04), cmos_read(0x07), cmos_read(0x08), cmos_read(0x09),
        cmos_read(0x32), cmos_read(0x0B) };
}

u32 from_bcd(u8 value) { return (value & 0x0F) + (value >> 4) * 10; }

// Days from 1970-01-01 to year-month-day (proleptic Gregorian; H. Hinnant's civil algorithm).
i64 days_from_civil(i64 year, u32 month, u32 day)
{
    year -= month <= 2;
    i64 era = (year >= 0 ? year : year - 399) / 400;
    u32 year_of_era = static_cast<u32>(year - era * 400);
    u32 day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    u32 day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + static_cast<i64>(day_of_era) - 719468;
}

} // namespace

Optional<u64> Arch::wall_clock_seconds()
{
    RtcTime time = read_once();
    for (int attempt = 0; attempt < 5; ++attempt) {
        RtcTime again = read_once();
        if (again == time)
            break;
        time = again;
    }
    bool binary = time.status_b & 0x04;
    bool twelve_hour = !(time.status_b & 0x02);
    auto decode = [&](u8 value) { return binary ? u32(value) : from_bcd(value); };
    u32 hour = decode(time.hour & 0x7F);
    if (twelve_hour && (time.hour & 0x80))
        hour = (hour % 12) + 12;
    else if (twelve_hour && hour == 12)
        hour = 0;
    u32 century = time.century ? decode(time.century) : 20;
    u32 year = century * 100 + decode(time.year);
    u32 month = decode(time.month), day = decode(time.day);
    u32 minute = decode(time.minute), second = decode(time.second);
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60 || year < 1970)
        return none;
    i64 days = days_from_civil(year, month, day);
    return static_cast<u64>(days) * 86400 + u64(hour) * 3600 + u64(minute) * 60 + second;
}

} // namespace ath::x86_64
