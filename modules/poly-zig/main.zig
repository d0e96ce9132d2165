//! poly-zig: the Zig member of the polyglot ring (modules/README.md, "The polyglot ring"). It
//! serves the endpoint `poly-zig` (OP_ID: its language id, OP_MIX: the ring's mixing function) and
//! calls the next member, named by argv[1], checking its answers against its own mix.
const std = @import("std");
const azoth = @import("azoth");

const LANG_ID: u64 = 4;
const OP_ID: u64 = 0;
const OP_MIX: u64 = 1;

fn mix(a: u64, b: u64, id: u64) u64 {
    return ((a ^ id) *% 0x100000001B3) +% b;
}

fn handle(words: azoth.Words) u64 {
    return switch (words[0]) {
        OP_ID => LANG_ID,
        OP_MIX => mix(words[1], words[2], LANG_ID),
        else => std.math.maxInt(u64),
    };
}

comptime {
    azoth.serve(handle);
}

pub fn main() !void {
    const out = std.io.getStdOut().writer();
    var buffer: [256]u8 = undefined;
    var allocator = std.heap.FixedBufferAllocator.init(&buffer);
    const args = try std.process.argsAlloc(allocator.allocator());
    if (args.len < 2) {
        try out.print("poly-zig: FAIL no next member in args\n", .{});
        std.process.exit(1);
    }
    const next = args[1];
    const pause = try azoth.Event.create();
    // The next member may not be up yet (E_NOT_FOUND), or busy calling on around the ring
    // (E_BUSY): retry, letting go of this module meanwhile (event_wait, not a sleep).
    var attempt: u32 = 0;
    while (true) : (attempt += 1) {
        const result = ring_step(next);
        if (result) |id| {
            // One write per line: a module's console writes are not interleaved with others'.
            var line: [128]u8 = undefined;
            try out.writeAll(try std.fmt.bufPrint(&line, "poly-zig: {s} (language {d}) mixed correctly\n", .{ next, id }));
            break;
        } else |err| {
            if ((err != error.E_NOT_FOUND and err != error.E_BUSY) or attempt == 3000) {
                try out.print("poly-zig: FAIL calling {s}: {s}\n", .{ next, @errorName(err) });
                std.process.exit(1);
            }
            _ = pause.wait(1, 10_000_000) catch {};
        }
    }
    const err = azoth.serveForever();
    try out.print("poly-zig: FAIL serving: {s}\n", .{@errorName(err)});
    std.process.exit(1);
}

const RingError = azoth.Error || error{WrongAnswer};

fn ring_step(next: []const u8) RingError!u64 {
    const endpoint = try azoth.Endpoint.find(next);
    defer endpoint.close();
    const id = (try endpoint.call(.{ OP_ID, 0, 0, 0 }))[0];
    const a: u64 = 0x0123456789ABCDEF;
    const b: u64 = 0xFEDCBA9876543210;
    const mixed = (try endpoint.call(.{ OP_MIX, a, b, 0 }))[0];
    if (mixed != mix(a, b, id) or id == LANG_ID) return error.WrongAnswer;
    return id;
}
