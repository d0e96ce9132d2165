//! The WASI parity program in Zig 0.11 (tests/wasi/parity/README.md).
const std = @import("std");

pub fn main() !void {
    var buffer: [16384]u8 = undefined;
    var fixed = std.heap.FixedBufferAllocator.init(&buffer);
    const allocator = fixed.allocator();
    var output = std.io.bufferedWriter(std.io.getStdOut().writer());
    const out = output.writer();
    const args = try std.process.argsAlloc(allocator);
    try out.print("parity: argc-1={d}\n", .{args.len - 1});
    for (args[1..], 1..) |arg, i| try out.print("parity: argv[{d}]={s}\n", .{ i, arg });
    const greeting = std.process.getEnvVarOwned(allocator, "GREETING") catch "(unset)";
    try out.print("parity: GREETING={s}\n", .{greeting});
    try out.print("parity: realtime after 2020: {s}\n", .{if (std.time.timestamp() > 1577836800) "yes" else "no"});
    const first = try std.time.Instant.now();
    const second = try std.time.Instant.now();
    try out.print("parity: monotonic: {s}\n", .{if (second.order(first) != .lt) "yes" else "no"});
    var bytes = [_]u8{0} ** 32;
    std.crypto.random.bytes(&bytes);
    var nonzero: u8 = 0;
    for (bytes) |b| nonzero |= b;
    try out.print("parity: random: {s}\n", .{if (nonzero != 0) "ok" else "FAIL"});
    var sum: u64 = 0;
    var i: u64 = 1;
    while (i <= 1000) : (i += 1) sum += i;
    try out.print("parity: sum 1..1000={d}\n", .{sum});
    try output.flush();
    try std.io.getStdErr().writer().writeAll("parity: to stderr\n");
    std.process.exit(3);
}
