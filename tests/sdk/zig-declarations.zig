//! sdk.zig-declarations: every declaration of sdk/zig/azoth.zig is analysed (Zig only compiles what
//! a program uses, so the scaffolds alone would leave parts of the SDK unchecked).
const std = @import("std");
const azoth = @import("azoth");
test "every declaration of the Zig SDK compiles" {
    std.testing.refAllDeclsRecursive(azoth);
}
