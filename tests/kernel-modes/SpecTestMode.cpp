// `spectest`: the Wasm spec testsuite run by the engine inside the kernel. The build converts
// every .wast with wast2json and packs, per script NAME, spec/NAME/NAME.json, its .wasm/.wat files
// and spec/NAME/text-rejected (the .wat files wabt's parser rejects, decided at build time since
// the kernel has no text parser) into the test initrd, with tests/spec/expected-failures.txt as
// spec/expected-failures.txt. The same runner core as the hosted `spec` tests executes them.
#include <kernel/arch/Arch.h>
#include <kernel/lib/FixedVector.h>
#include <kernel/lib/Format.h>
#include <kernel/mm/PhysicalMemory.h>
#include <kernel/main/BootMode.h>
#include <kernel/platform/kernel/KernelAllocator.h>
#include <kernel/platform/kernel/KernelCodeMemory.h>
#include <kernel/platform/kernel/KernelLinearMemory.h>
#include <kernel/process/ExecutionTier.h>
#include <tests/spec/core/ScriptRunner.h>

namespace ath::process {

namespace {

constexpr usize max_path = 256;
constexpr usize max_expected_failures = 256;

struct ExpectedFailure {
    StringView script;
    u32 line { 0 };
    u32 ordinal { 1 };
    bool seen { false };
};

StringView as_text(ReadonlyBytes bytes) { return StringView(reinterpret_cast<const char*>(bytes.data()), bytes.size()); }

Optional<u32> parse_u32(StringView text)
{
    auto value = text.to_u64();
    if (!value.has_value() || *value > 0xFFFFFFFFu)
        return none;
    return static_cast<u32>(*value);
}

// Lines "<script>:<line>[.<ordinal>]  # reason"; comments and blank lines skipped.
void parse_expected(StringView text, FixedVector<ExpectedFailure, max_expected_failures>& out)
{
    (void)for_each_content_line(text, [&](StringView line, usize) -> ErrorOr {
        auto colon = line.find(':');
        if (!colon.has_value())
            return {};
        ExpectedFailure failure;
        failure.script = line.substring(0, *colon);
        StringView position = line.substring(*colon + 1);
        auto dot = position.find('.');
        auto number = parse_u32(dot.has_value() ? position.substring(0, *dot) : position);
        if (!number.has_value())
            return {};
        failure.line = *number;
        if (dot.has_value())
            failure.ordinal = parse_u32(position.substring(*dot + 1)).value_or(1);
        (void)out.try_append(failure);
        return {};
    });
}

class InitrdModuleSource final : public spec::ModuleSource {
public:
    InitrdModuleSource(const initrd::TarArchive& initrd, StringView folder, Optional<StringView> rejected)
        : m_initrd(initrd), m_folder(folder), m_rejected(rejected) { }

    Result<ReadonlyBytes> module_bytes(StringView filename) override
    {
        auto entry = m_initrd.find(TRY(path_of(filename)));
        if (!entry.has_value())
            return Error::from(ErrorCode::NotFound, "module file missing from the initrd");
        return entry->contents;
    }

    Result<bool> text_module_rejected(StringView filename) override
    {
        if (!m_rejected.has_value())
            return Error::from(ErrorCode::NotFound, "no text-rejected list for this script");
        StringView list = *m_rejected;
        usize start = 0;
        while (start < list.length()) {
            usize end = list.find('\n', start).value_or(list.length());
            if (list.substring(start, end - start) == filename)
                return true;
            start = end + 1;
        }
        return false;
    }

private:
    Result<StringView> path_of(StringView filename)
    {
        if (m_folder.length() + 1 + filename.length() > max_path || filename.contains("/"))
            return Error::from(ErrorCode::Invalid, "bad module file name");
        usize length = 0;
        for (char c : m_folder)
            m_path[length++] = c;
        m_path[length++] = '/';
        for (char c : filename)
            m_path[length++] = c;
        return StringView(m_path, length);
    }

    const initrd::TarArchive& m_initrd;
    StringView m_folder;
    Optional<StringView> m_rejected;
    char m_path[max_path + 1] {};
};

class SuiteObserver final : public spec::ScriptObserver {
public:
    SuiteObserver(StringView script, FixedVector<ExpectedFailure, max_expected_failures>& expected)
        : m_script(script), m_expected(expected) { }

    void on_command(const spec::Command& command, u32 ordinal, const spec::CommandOutcome& outcome) override
    {
        record(command.line, ordinal, outcome.passed, outcome.reason);
    }
    void on_unparsable_command(u32 line, u32 ordinal, const Error& error) override
    {
        record(line, ordinal, false, StringView(error.reason));
    }

    u64 passed { 0 };
    u64 total { 0 };
    u64 unexpected_failures { 0 };

private:
    void record(u32 line, u32 ordinal, bool command_passed, StringView reason)
    {
        ++total;
        if (command_passed)
            ++passed;
        ExpectedFailure* listed = nullptr;
        for (auto& failure : m_expected) {
            if (failure.script == m_script && failure.line == line && failure.ordinal == ordinal)
                listed = &failure;
        }
        if (listed) {
            listed->seen = true;
            if (!command_passed)
                return;
            // The ratchet: a listed command that passes fails the run until the list shrinks.
            ++unexpected_failures;
            println("spec: {}:{}: passes but is listed in expected-failures.txt (shrink the list)", m_script, line);
            return;
        }
        if (!command_passed) {
            ++unexpected_failures;
            println("spec: FAIL {}:{}.{}: {}", m_script, line, ordinal, reason);
        }
    }

    StringView m_script;
    FixedVector<ExpectedFailure, max_expected_failures>& m_expected;
};


u8 run_spectest_mode(const initrd::TarArchive* initrd_archive)
{
    const initrd::TarArchive& initrd = *initrd_archive;
    FixedVector<ExpectedFailure, max_expected_failures> expected;
    if (auto list = initrd.find("spec/expected-failures.txt"); list.has_value())
        parse_expected(as_text(list->contents), expected);

    // With tier=compiled on the command line the suite runs on the compiled tier, in the kernel's
    // own linear memories and code memory (a module the compiler does not cover runs interpreted).
    wasm::StoreConfig config;
    bool compiled = compiled_tier_chosen();
    if (compiled) {
        config.memory_provider = &sys::KernelLinearMemory::instance();
        config.code_memory = &sys::KernelCodeMemory::instance();
    }
    u64 passed = 0, total = 0, unexpected = 0, scripts = 0, broken_scripts = 0;
    u64 started = Arch::clock_nanoseconds();
    u64 free_before = mm::physical_frames().free_count();
    initrd.for_each([&](const initrd::TarEntry& entry) {
        if (entry.kind != initrd::TarEntry::Kind::File || !entry.name.ends_with(".json"))
            return;
        // spec/NAME/NAME.json: the folder is the entry's directory.
        // The build writes short paths, so the ustar prefix field is never used.
        if (!entry.prefix.is_empty())
            return;
        StringView path = entry.name;
        Optional<usize> slash;
        for (usize i = 0; i < path.length(); ++i) {
            if (path[i] == '/')
                slash = i;
        }
        if (!slash.has_value() || !path.starts_with("spec/"))
            return;
        StringView folder = path.substring(0, *slash);
        StringView script = path.substring(*slash + 1, path.length() - *slash - 1 - 5);
        char rejected_path[max_path + 16];
        usize length = 0;
        for (char c : folder)
            rejected_path[length++] = c;
        for (char c : StringView("/text-rejected"))
            rejected_path[length++] = c;
        Optional<StringView> rejected;
        if (auto list = initrd.find(StringView(rejected_path, length)); list.has_value())
            rejected = as_text(list->contents);

        InitrdModuleSource source(initrd, folder, rejected);
        SuiteObserver observer(script, expected);
        u64 script_started = Arch::clock_nanoseconds();
        auto ran = spec::run_script(as_text(entry.contents), sys::KernelAllocator::instance(), source, observer, config);
        ++scripts;
        if (ran.is_error()) {
            ++broken_scripts;
            println("spec: {}: unusable script: {}", script, ran.error().reason);
        }
        println("spec: {}: {}/{} ({} ms)", script, observer.passed, observer.total,
            (Arch::clock_nanoseconds() - script_started) / 1'000'000);
        passed += observer.passed;
        total += observer.total;
        unexpected += observer.unexpected_failures;
    });
    u64 missing = 0;
    for (auto& failure : expected) {
        if (!failure.seen)
            ++missing;
    }
    u64 free_after = mm::physical_frames().free_count();
    println("spec: {} scripts in {} ms; free frames {} before, {} after", scripts,
        (Arch::clock_nanoseconds() - started) / 1'000'000, free_before, free_after);
    println("spec: {} unexpected failures, {} expected failures listed, {} listed but not run", unexpected,
        expected.size(), missing);
    println("spec: {}/{} commands passed", passed, total);
    if (compiled)
        println("spec-compiled: {}/{} commands passed", passed, total);
    bool ok = scripts > 0 && broken_scripts == 0 && unexpected == 0 && total > 0;
    return ok ? 0 : 1;
}

} // namespace

ATH_BOOT_MODE(spectest, "spectest", BootStage::Initrd,
              "run the Wasm spec suite packed in the initrd (tests/fault process-boot-test.py spectest)", run_spectest_mode);

} // namespace ath::process
