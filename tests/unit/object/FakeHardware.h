#pragma once

// Fake hardware for the Device/Irq/Timer tests (object-level and through the azoth ABI): a
// register file that records every access the Device lets through, an interrupt controller that
// records masking, and a clock the test moves.
#include <kernel/object/Device.h>
#include <kernel/object/Irq.h>
#include <kernel/object/Timer.h>

#include <cstring>

namespace ath::object::test_support {

// 64 bytes of registers; records every access the Device lets through.
class FakeRegisters final : public DeviceAccess {
public:
    u64 read(const DeviceWindow&, u64 offset, u32 width) override
    {
        ++accesses;
        u64 value = 0;
        std::memcpy(&value, bytes + offset, width);
        return value;
    }
    void write(const DeviceWindow&, u64 offset, u32 width, u64 value) override
    {
        ++accesses;
        std::memcpy(bytes + offset, &value, width);
    }
    u8 bytes[64] {};
    int accesses { 0 };
};

// Lines 0..7; a line is masked until unmasked; raise() runs the handler only when unmasked (as
// an interrupt controller delivers), and a level line re-raises on unmask while asserted.
class FakeController final : public IrqController {
public:
    ErrorOr install(u32 line, Handler handler, void* context) override
    {
        if (line >= 8)
            return Error::from(ErrorCode::InvalidArgument, "no such line");
        if (lines[line].handler)
            return Error::from(ErrorCode::Busy, "line taken");
        lines[line] = Line { handler, context, true, false };
        return {};
    }
    void remove(u32 line) override { lines[line] = Line {}; }
    void mask(u32 line) override
    {
        lines[line].masked = true;
        ++mask_calls;
    }
    void unmask(u32 line) override
    {
        lines[line].masked = false;
        deliver(line);
    }
    void raise(u32 line, bool level)
    {
        lines[line].asserted = true;
        lines[line].level = level;
        deliver(line);
    }
    void lower(u32 line) { lines[line].asserted = false; }
    void deliver(u32 line)
    {
        // A storm guard for the test itself: a level line that is never masked would loop here.
        for (int round = 0; round < 100 && lines[line].asserted && !lines[line].masked && lines[line].handler; ++round) {
            ++deliveries;
            if (!lines[line].level)
                lines[line].asserted = false;
            lines[line].handler(lines[line].context);
        }
    }

    struct Line {
        Handler handler { nullptr };
        void* context { nullptr };
        bool masked { true };
        bool asserted { false };
        bool level { false };
    };
    Line lines[8];
    int mask_calls { 0 };
    int deliveries { 0 };
};

class FakeClock final : public Clock {
public:
    u64 now_ns() override { return now; }
    u64 now { 1'000'000 };
};

} // namespace ath::object::test_support
