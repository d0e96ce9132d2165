#!/usr/bin/env python3
"""check-guest-verify: no VERIFY and no unchecked unwrap on module-derived values in the kernel's
module-facing code (issue 14, class 2; ctest lint.guest-verify, label fault; docs/security.md).

A module controls everything it passes to the kernel; a VERIFY that fails on such a value, or an
unwrap (`.value()` / `.release_value()`) of a Result/Optional that came from it, is a kernel panic
any module can cause. This check reads every .cpp/.h under kernel/sys, kernel/process, kernel/ipc
and kernel/object (comments and string literals stripped) and reports, per function body (or
#define):

  guest-verify   a VERIFY(...) whose expression mentions a guest-derived thing: the guest-memory
                 and argument accessors (memory. / memory-> / bytes( / readable( / writable_bytes( /
                 read< / write< / write( / write_bytes( / copy_in( / check_writable< / store< /
                 store( / caller_memory / call. / arguments / u32_at( / u64_at( / guest), or a
                 variable assigned (directly or through other variables) from such an expression
                 in the same function
  verify-in-import
                 any VERIFY / VERIFY_NOT_REACHED / panic in a function that takes guest input
                 itself (a Call&, HostCall&, GuestMemory or Span<const Value> parameter: the import
                 handlers): whatever it checks, a module decides whether that line runs
  unchecked-unwrap
                 NAME.value() / NAME.release_value() (also NAME->, and member paths a.b.value())
                 with no check of NAME earlier in the same function: NAME.is_error(),
                 NAME.has_value(), NAME.is_ok(), if (NAME) / if (!NAME), !NAME, NAME ?, NAME &&,
                 or VERIFY(... NAME ...) itself; and any unwrap of a temporary (f(...).value()),
                 which nothing can have checked

A finding is accepted only with a reason, on the line itself or on the line just above:
    // guest-verify: ok - <why this cannot come from a module>

usage: check-guest-verify.py [--root DIR] [--folders kernel/sys,...] [FILE...]
       check-guest-verify.py --self-test
Exit status 1 when there is a finding (each printed as path:line: kind: text), else 0.
"""
import argparse
import os
import re
import sys

FOLDERS = ("kernel/sys", "kernel/process", "kernel/ipc", "kernel/object")

GUEST_MARKERS = re.compile(
    r"\bmemory\s*(?:\.|->)"
    r"|\b(?:bytes|readable|readable_bytes|writable_bytes|write_bytes|copy_in|copy_out|check_writable|check_readable)\s*[<(]"
    r"|\b(?:read|write|store|load)\s*<"
    r"|\b(?:write|store)\s*\("
    r"|\bcaller_memory\b|\bcall\s*\.|\barguments\b|\bu32_at\s*\(|\bu64_at\s*\(|\bi32_at\s*\(|\bi64_at\s*\(|\bguest\w*")
SUPPRESSION = re.compile(r"//\s*guest-verify:\s*ok\b\s*\S+")
UNWRAP = re.compile(r"(\.|->)\s*(value|release_value)\s*\(\s*\)")
IDENTIFIER = r"[A-Za-z_]\w*"
ASSIGNMENT = re.compile(r"(?:^|[;{}(]\s*|\n\s*)(?:[\w:<>,\s\*&]+?\s+)?(" + IDENTIFIER + r")\s*(?:=|\{|\()(?!=)")


def strip(text):
    """Comments and string/char literals replaced by spaces (newlines kept), so offsets and line
    numbers stay those of the source."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(c + " " * (j - i - 2) + c if j - i >= 2 else " " * (j - i))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def function_bodies(code):
    """(start, end) offsets of every function body (outermost `{` after `)` or a trailing
    qualifier, not a namespace/class/struct/enum/initializer) and of every #define."""
    spans = []
    for match in re.finditer(r"^[ \t]*#[ \t]*define\b(?:[^\n]*\\\n)*[^\n]*", code, re.M):
        spans.append((match.start(), match.end()))
    depth_stack = []  # (offset of '{', is_function)
    inside_function = 0
    for i, c in enumerate(code):
        if c == "{":
            is_function = False
            if not inside_function:
                before = code[max(0, i - 300):i].rstrip()
                before = re.sub(r"(\bconst|\boverride|\bnoexcept(\([^)]*\))?|\bfinal|->\s*[\w:<>,\s\*&]+)\s*$", "", before).rstrip()
                before = re.sub(r"(\bconst|\boverride|\bnoexcept|\bfinal)\s*$", "", before).rstrip()
                head = code[max(0, i - 300):i]
                keyword = re.search(r"\b(namespace|class|struct|enum|union)\b[^;{}()]*$", head)
                if before.endswith(")") and not keyword and not re.search(r"=\s*$", before):
                    is_function = True
                # constructor initialiser lists: `) : a(x), b { y } {`
                elif re.search(r"\)\s*:\s*[^;{}]*$", head) and not keyword:
                    is_function = True
            depth_stack.append((i, is_function))
            if is_function:
                inside_function += 1
        elif c == "}" and depth_stack:
            start, is_function = depth_stack.pop()
            if is_function:
                inside_function -= 1
                if inside_function == 0:
                    spans.append((start, i + 1))
    return spans


def enclosing(spans, offset):
    best = None
    for start, end in spans:
        if start <= offset < end and (best is None or start < best[0]):
            best = (start, end)
    return best


def verify_calls(code):
    """(offset, expression) of every VERIFY(...) (balanced parentheses)."""
    for match in re.finditer(r"\bVERIFY\s*\(", code):
        depth, j = 1, match.end()
        while j < len(code) and depth:
            depth += {"(": 1, ")": -1}.get(code[j], 0)
            j += 1
        yield match.start(), code[match.end():j - 1]


GUEST_PARAMETERS = re.compile(r"\b(?:Call|HostCall|WasiCall|GuestMemory)\s*[&*]|\bGuestMemory\s+\w|Span<\s*const\s+(?:wasm::)?Value\s*>")


def signature_of(code, span):
    """The text between the previous declaration's end and a function body's `{`."""
    head = code[max(0, span[0] - 600):span[0]]
    cut = max(head.rfind(";"), head.rfind("}"), head.rfind("{"))
    return head[cut + 1:]


def tainted_names(body):
    """Variables of a function body assigned from a guest-derived expression (to a fixpoint)."""
    statements = re.split(r"[;{}]", body)
    tainted = set()
    changed = True
    while changed:
        changed = False
        for statement in statements:
            match = re.match(r"\s*(?:[\w:<>,\*&\s]+?\s+)?(" + IDENTIFIER + r")\s*(?:=(?!=)|\{|\()(.*)$", statement, re.S)
            if not match:
                continue
            name, value = match.group(1), match.group(2)
            if name in tainted or name in ("if", "while", "for", "switch", "return", "VERIFY", "TRY"):
                continue
            if GUEST_MARKERS.search(value) or any(re.search(r"\b" + re.escape(t) + r"\b", value) for t in tainted):
                tainted.add(name)
                changed = True
    return tainted


def receiver_before(code, position):
    """The expression an unwrap is applied to: an identifier path (a, a.b, a->b, a[i]), or None for a
    temporary (a call's result)."""
    j = position
    while j > 0 and code[j - 1] in " \t":
        j -= 1
    if j > 0 and code[j - 1] == ")":
        return None
    match = re.search(r"(" + IDENTIFIER + r"(?:\s*(?:\.|->)\s*" + IDENTIFIER + r"|\[[^\]]*\])*)\s*$", code[:j])
    return match.group(1).replace(" ", "") if match else None


def checked(name, text):
    escaped = re.escape(name).replace(r"\.", r"\s*\.\s*").replace(r"\-\>", r"\s*->\s*")
    patterns = [
        escaped + r"\s*(?:\.|->)\s*(?:is_error|has_value|is_ok|has_error)\s*\(",
        r"\bif\s*\(\s*!?\s*" + escaped + r"\s*[)&|]",
        r"!\s*" + escaped + r"\b(?!\s*(?:\.|->)\s*(?:value|release_value))",
        r"\b" + escaped + r"\s*\?",
        r"\b" + escaped + r"\s*&&",
        r"\bVERIFY\s*\([^;]*\b" + escaped + r"\b",
    ]
    return any(re.search(pattern, text) for pattern in patterns)


def line_of(code, offset):
    return code.count("\n", 0, offset) + 1


def suppressed(lines, line):
    here = lines[line - 1] if line - 1 < len(lines) else ""
    above = lines[line - 2] if line >= 2 else ""
    return bool(SUPPRESSION.search(here) or (above.strip().startswith("//") and SUPPRESSION.search(above)))


def check_text(path, text):
    """Findings (path, line, kind, source line) of one file."""
    code = strip(text)
    lines = text.splitlines()
    spans = function_bodies(code)
    findings = []
    taint_cache = {}
    for offset, expression in verify_calls(code):
        span = enclosing(spans, offset)
        reasons = []
        if GUEST_MARKERS.search(expression):
            reasons.append("mentions guest input")
        elif span:
            if span not in taint_cache:
                taint_cache[span] = tainted_names(code[span[0]:span[1]])
            hit = [t for t in taint_cache[span] if re.search(r"\b" + re.escape(t) + r"\b", expression)]
            if hit:
                reasons.append("uses " + ", ".join(sorted(hit)) + " (from guest input)")
        if reasons:
            line = line_of(code, offset)
            if not suppressed(lines, line):
                findings.append((path, line, "guest-verify", reasons[0], lines[line - 1].strip()))
    for match in re.finditer(r"\b(?:VERIFY|VERIFY_NOT_REACHED|panic)\s*\(", code):
        span = enclosing(spans, match.start())
        line = line_of(code, match.start())
        if span and GUEST_PARAMETERS.search(signature_of(code, span)) and not suppressed(lines, line):
            if not any(f[1] == line and f[2] == "guest-verify" for f in findings):
                findings.append((path, line, "verify-in-import", "in a function that takes guest input", lines[line - 1].strip()))
    for match in UNWRAP.finditer(code):
        span = enclosing(spans, match.start())
        receiver = receiver_before(code, match.start())
        line = line_of(code, match.start())
        if suppressed(lines, line):
            continue
        if receiver is None:
            findings.append((path, line, "unchecked-unwrap", "unwraps a temporary", lines[line - 1].strip()))
            continue
        start = span[0] if span else max(0, code.rfind("\n\n", 0, match.start()))
        window = code[start:match.start()]
        # a.b.value(): a check of a.b or of a counts
        names = [receiver]
        base = re.split(r"\s*(?:\.|->)\s*|\[", receiver)[0]
        if base != receiver:
            names.append(base)
        if not any(checked(name, window) for name in names):
            findings.append((path, line, "unchecked-unwrap", f"{receiver} is not checked before", lines[line - 1].strip()))
    return findings


def files_under(root, folders):
    for folder in folders:
        top = os.path.join(root, folder)
        for directory, _, names in sorted(os.walk(top)):
            for name in sorted(names):
                if name.endswith((".cpp", ".h")):
                    yield os.path.join(directory, name)


SELF_TEST = [
    # (source, expected kinds)
    ("""i32 spawn(Call& call)
{
    u32 child_address = call.u32_at(1);
    if (call.memory.bytes(child_address, 4).is_error())
        return E_FAULT;
    VERIFY(store<u32>(call, child_address, number) == OK);
    return OK;
}""", ["guest-verify"]),
    ("""i32 f(Call& call)
{
    u32 address = call.u32_at(0);
    u32 doubled = address * 2;
    VERIFY(doubled != 0);
}""", ["guest-verify"]),
    ("""i32 f(Call& call)
{
    auto bytes = call.memory.bytes(call.u32_at(0), 4);
    return bytes.value()[0];
}""", ["unchecked-unwrap"]),
    ("""i32 f(Call& call)
{
    auto bytes = call.memory.bytes(call.u32_at(0), 4);
    if (bytes.is_error())
        return E_FAULT;
    return bytes.value()[0];
}""", []),
    ("""i32 f(Call& call)
{
    return call.memory.read<u32>(0).value();
}""", ["unchecked-unwrap"]),
    ("""void kernel_only()
{
    VERIFY(!Arch::Mmu::unmap(VirtualAddress(base), count).is_error());
    auto frame = frames.allocate();
    VERIFY(frame.has_value());
    use(frame.value());
}""", []),
    ("""i32 f(Call& call)
{
    VERIFY(call.u32_at(0) < 4); // guest-verify: ok - the dispatcher checked the index
}""", []),
    ("""ErrorOr trampoline(wasm::HostCall& host, Span<const Value> arguments, Span<Value> results)
{
    VERIFY(results.size() == 1);
    return {};
}""", ["verify-in-import"]),
    ("""i32 handler(Call& call)
{
    switch (call.u32_at(0)) {
    default: VERIFY_NOT_REACHED();
    }
}""", ["verify-in-import"]),
    ("""#define TRY_STATUS(expression) ({ auto r_ = (expression); if (r_.is_error()) return 1; r_.release_value(); })""", []),
    ("""void* f(usize size) { auto memory = kmalloc(size); return memory.is_error() ? nullptr : memory.value(); }""", []),
]


def self_test():
    failed = 0
    for number, (source, expected) in enumerate(SELF_TEST):
        kinds = [finding[2] for finding in check_text(f"self-test-{number}", source)]
        if kinds != expected:
            print(f"self-test {number}: expected {expected}, got {kinds}\n{source}")
            failed += 1
    print(f"check-guest-verify self-test: {len(SELF_TEST) - failed}/{len(SELF_TEST)} ok")
    return 1 if failed else 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    parser.add_argument("--folders", default=",".join(FOLDERS))
    parser.add_argument("--self-test", action="store_true")
    parser.add_argument("files", nargs="*")
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    if self_test() != 0:
        return 1
    paths = args.files or list(files_under(args.root, args.folders.split(",")))
    findings = []
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as file:
            findings += check_text(os.path.relpath(path, args.root) if not args.files else path, file.read())
    for path, line, kind, reason, source in findings:
        print(f"{path}:{line}: {kind}: {reason}: {source}")
    print(f"check-guest-verify: {len(paths)} files, {len(findings)} findings"
          + ("" if not findings else " (fix them, or justify one with `// guest-verify: ok - reason` on its line)"))
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
