// spec-runner: the hosted driver of the spec testsuite. It converts .wast scripts with wabt's
// wast2json at test time, runs them with the freestanding runner core (tests/spec/core) and
// checks the outcome against the expected-failures ratchet. See tests/spec/README.md.
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <kernel/platform/hosted/HostedCodeMemory.h>
#include <kernel/platform/hosted/HostedLinearMemory.h>
#include <kernel/platform/hosted/HostedSupport.h>
#include <tests/spec/core/ScriptRunner.h>

#include "ExpectedFailures.h"
#include "Process.h"

using namespace ath;
using namespace ath::spec;
using namespace ath::spec::host;

namespace {

constexpr int exit_ok = 0;
constexpr int exit_ratchet = 1;
constexpr int exit_usage = 2;
constexpr int exit_skip = 77; // ctest SKIP_RETURN_CODE

struct Options {
    std::string suite;
    std::string work;
    std::string expected;
    std::string file;    // --file NAME
    bool summary { false };
    bool update_expected { false };
    bool verbose { false };
    bool compiled { false }; // --tier compiled
    size_t failure_cap { 20 };
};

struct FileResult {
    std::string name;
    bool converted { true };
    std::string problem; // conversion or script error
    size_t passed { 0 };
    size_t total { 0 };
    size_t decided_by_text_front_end { 0 };
    size_t wording_differs { 0 };
    std::vector<Failure> failures;
    std::vector<std::string> notes; // passes with differently worded messages (--verbose prints them)
    size_t compiled_modules { 0 };    // instances that ran on the compiled tier
    size_t interpreted_modules { 0 }; // instances that fell back to the interpreter (--tier compiled)
    std::map<std::string, size_t> fallback_reasons;
};

std::string to_string(StringView view) { return std::string(view.characters(), view.length()); }

// Module files named by a script live next to it; a hostile name cannot leave that folder.
class FolderModuleSource final : public ModuleSource {
public:
    explicit FolderModuleSource(std::string folder) : m_folder(std::move(folder)) { }

    Result<ReadonlyBytes> module_bytes(StringView filename) override
    {
        std::string name = to_string(filename);
        if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
            return Error::from(ErrorCode::InvalidArgument, "module filename must be a plain file name");
        if (!read_file(m_folder + "/" + name, m_bytes))
            return Error::from(ErrorCode::NotFound, "cannot read the module file");
        return ReadonlyBytes(reinterpret_cast<const u8*>(m_bytes.data()), m_bytes.size());
    }

    Result<bool> text_module_rejected(StringView filename) override
    {
        std::string name = to_string(filename);
        if (name.empty() || name.find('/') != std::string::npos)
            return Error::from(ErrorCode::InvalidArgument, "module filename must be a plain file name");
        // --no-check: only the text grammar decides, not validation.
        int status = run_process({ "wat2wasm", "--no-check", m_folder + "/" + name, "-o", "/dev/null" }, "");
        if (status < 0)
            return Error::from(ErrorCode::NotFound, "cannot run wat2wasm");
        return status != 0;
    }

private:
    std::string m_folder;
    std::string m_bytes;
};

class Collector final : public ScriptObserver {
public:
    explicit Collector(FileResult& result) : m_result(result) { }

    void on_command(const Command& command, u32 ordinal, const CommandOutcome& outcome) override
    {
        ++m_result.total;
        if (outcome.passed) {
            ++m_result.passed;
            m_result.decided_by_text_front_end += outcome.decided_by_text_front_end ? 1 : 0;
            if (outcome.wording_differs) {
                ++m_result.wording_differs;
                m_result.notes.push_back(m_result.name + ".wast:" + std::to_string(command.line) + ": "
                    + command_type_name(command.type) + ": " + to_string(outcome.reason));
            }
            return;
        }
        m_result.failures.push_back({ failure_key(m_result.name, command.line, ordinal), command.line,
            std::string(command_type_name(command.type)) + ": " + to_string(outcome.reason) });
    }

    void on_instance(const wasm::Instance& instance) override
    {
        if (instance.tier() == wasm::ExecutionTier::Compiled) {
            ++m_result.compiled_modules;
        } else {
            ++m_result.interpreted_modules;
            const char* reason = instance.interpreter_reason();
            ++m_result.fallback_reasons[reason ? reason : "not asked"];
        }
    }

    void on_unparsable_command(u32 line, u32 ordinal, const Error& error) override
    {
        ++m_result.total;
        m_result.failures.push_back({ failure_key(m_result.name, line, ordinal), line,
            std::string("unparsable command: ") + (error.reason ? error.reason : "?") });
    }

private:
    FileResult& m_result;
};

// An id of this runner binary: results written by another build are not reused.
std::string runner_stamp()
{
    struct stat info;
    if (stat("/proc/self/exe", &info) != 0)
        return "unknown";
    return std::to_string(info.st_mtim.tv_sec) + "." + std::to_string(info.st_mtim.tv_nsec) + "." + std::to_string(info.st_size);
}

std::string results_path(const Options& options, const std::string& name)
{
    return options.work + "/results/" + name + (options.compiled ? ".compiled.result" : ".result");
}

FileResult run_file(const Options& options, const std::string& name)
{
    FileResult result;
    result.name = name;
    // Each tier converts into its own folder: the two runs may overlap (ctest -j).
    std::string folder = options.work + (options.compiled ? "/spec-json-compiled/" : "/spec-json/") + name;
    std::string json_path = folder + "/" + name + ".json";
    std::string wast_path = options.suite + "/" + name + ".wast";
    if (!make_directory(folder, true)) {
        result.converted = false;
        result.problem = "cannot create " + folder;
        return result;
    }
    // wabt 1.0.32's defaults are the Wasm 2.0 feature set. --enable-all would also turn on typed
    // function references, under which wabt mistypes ref.func in ref_func.wast and table_grow.wast.
    int status = run_process({ "wast2json", wast_path, "-o", json_path }, folder + "/wast2json.log");
    std::string json;
    if (status != 0 || !read_file(json_path, json)) {
        result.converted = false;
        result.problem = status < 0 ? "cannot run wast2json (install wabt: ./azoth setup)"
                                    : "wast2json failed (exit " + std::to_string(status) + "), see " + folder + "/wast2json.log";
        return result;
    }
    wasm::hosted::MallocAllocator allocator;
    FolderModuleSource source(folder);
    Collector collector(result);
    // The compiled tier needs memories whose reservation makes every out-of-bounds access fault.
    hosted::HostedLinearMemoryProvider memories;
    hosted::HostedCodeMemory code_memory;
    wasm::StoreConfig config;
    if (options.compiled) {
        config.memory_provider = &memories;
        config.code_memory = &code_memory;
    }
    auto outcome = run_script(StringView(json.data(), json.size()), allocator, source, collector, config);
    if (outcome.is_error()) {
        result.converted = false;
        result.problem = std::string("unusable script: ") + (outcome.error().reason ? outcome.error().reason : "?");
    }
    return result;
}

void save_result(const Options& options, const FileResult& result)
{
    std::string text = "stamp " + runner_stamp() + "\n";
    text += "counts " + std::to_string(result.passed) + " " + std::to_string(result.total) + " "
        + std::to_string(result.decided_by_text_front_end) + " " + std::to_string(result.wording_differs) + "\n";
    text += "tiers " + std::to_string(result.compiled_modules) + " " + std::to_string(result.interpreted_modules) + "\n";
    for (auto& [reason, count] : result.fallback_reasons)
        text += "fallback " + std::to_string(count) + " " + reason + "\n";
    if (!result.converted)
        text += "problem " + result.problem + "\n";
    for (auto& failure : result.failures)
        text += "fail " + failure.key + " " + std::to_string(failure.line) + " " + failure.description + "\n";
    make_directory(options.work + "/results", false);
    write_file(results_path(options, result.name), text);
}

bool load_result(const Options& options, const std::string& name, FileResult& result)
{
    std::string text;
    if (!read_file(results_path(options, name), text))
        return false;
    result = FileResult();
    result.name = name;
    bool stamp_ok = false;
    for (const std::string& line : split_lines(text)) {
        if (line.rfind("stamp ", 0) == 0) {
            stamp_ok = line.substr(6) == runner_stamp();
        } else if (line.rfind("counts ", 0) == 0) {
            unsigned long long p, t, d, w;
            if (sscanf(line.c_str() + 7, "%llu %llu %llu %llu", &p, &t, &d, &w) != 4)
                return false;
            result.passed = p;
            result.total = t;
            result.decided_by_text_front_end = d;
            result.wording_differs = w;
        } else if (line.rfind("tiers ", 0) == 0) {
            unsigned long long c, i;
            if (sscanf(line.c_str() + 6, "%llu %llu", &c, &i) != 2)
                return false;
            result.compiled_modules = c;
            result.interpreted_modules = i;
        } else if (line.rfind("fallback ", 0) == 0) {
            size_t space = line.find(' ', 9);
            if (space == std::string::npos)
                return false;
            result.fallback_reasons[line.substr(space + 1)] += strtoul(line.c_str() + 9, nullptr, 10);
        } else if (line.rfind("problem ", 0) == 0) {
            result.converted = false;
            result.problem = line.substr(8);
        } else if (line.rfind("fail ", 0) == 0) {
            size_t key_end = line.find(' ', 5);
            size_t line_end = key_end == std::string::npos ? key_end : line.find(' ', key_end + 1);
            if (line_end == std::string::npos)
                return false;
            Failure failure;
            failure.key = line.substr(5, key_end - 5);
            failure.line = static_cast<unsigned>(strtoul(line.c_str() + key_end + 1, nullptr, 10));
            failure.description = line.substr(line_end + 1);
            result.failures.push_back(failure);
        }
    }
    return stamp_ok;
}

std::vector<std::string> suite_files(const std::string& suite)
{
    std::vector<std::string> names;
    DIR* directory = opendir(suite.c_str());
    if (!directory)
        return names;
    while (dirent* entry = readdir(directory)) {
        std::string file = entry->d_name;
        if (file.size() > 5 && file.compare(file.size() - 5, 5, ".wast") == 0)
            names.push_back(file.substr(0, file.size() - 5));
    }
    closedir(directory);
    std::sort(names.begin(), names.end());
    return names;
}

struct RatchetCheck {
    std::vector<const Failure*> regressions;
    std::vector<std::string> now_passing;
};

RatchetCheck check_ratchet(const FileResult& result, const ExpectedFailures& expected)
{
    RatchetCheck check;
    std::set<std::string> listed = expected.keys_of(result.name);
    std::set<std::string> failing;
    for (auto& failure : result.failures) {
        failing.insert(failure.key);
        if (!listed.count(failure.key))
            check.regressions.push_back(&failure);
    }
    if (result.converted) {
        for (auto& key : listed) {
            if (!failing.count(key))
                check.now_passing.push_back(key);
        }
    }
    return check;
}

std::string update_hint(const Options& options)
{
    return "update the list: cmake --build <build>/hosted --target spec-update-expected   (or: spec-runner --suite "
        + options.suite + " --work " + options.work + " --expected " + options.expected + " --update-expected)";
}

// Prints the ratchet verdict for some files; returns whether it holds.
bool report_ratchet(const Options& options, const std::vector<FileResult>& results, const ExpectedFailures& expected)
{
    size_t regressions = 0;
    size_t now_passing = 0;
    size_t shown = 0;
    for (auto& result : results) {
        if (!result.converted) {
            printf("ERROR %s: %s\n", result.name.c_str(), result.problem.c_str());
            ++regressions;
        }
        RatchetCheck check = check_ratchet(result, expected);
        for (auto* failure : check.regressions) {
            if (shown++ < options.failure_cap)
                printf("REGRESSION %s.wast:%u: %s\n", result.name.c_str(), failure->line, failure->description.c_str());
        }
        for (auto& key : check.now_passing) {
            if (shown++ < options.failure_cap)
                printf("NOW PASSES %s (listed in expected-failures.txt)\n", key.c_str());
        }
        regressions += check.regressions.size();
        now_passing += check.now_passing.size();
    }
    if (shown > options.failure_cap)
        printf("... %zu more ratchet differences not shown\n", shown - options.failure_cap);
    if (regressions > 0)
        printf("ratchet: %zu failing commands are not in %s (regressions)\n", regressions, options.expected.c_str());
    if (now_passing > 0)
        printf("ratchet: %zu listed commands now pass; %s\n", now_passing, update_hint(options).c_str());
    return regressions == 0 && now_passing == 0;
}

void print_failures(const Options& options, const std::vector<FileResult>& results, const ExpectedFailures& expected)
{
    size_t total = 0;
    for (auto& result : results)
        total += result.failures.size();
    if (total == 0)
        return;
    printf("failing commands (%zu):\n", total);
    size_t shown = 0;
    for (auto& result : results) {
        for (auto& failure : result.failures) {
            if (shown++ >= options.failure_cap)
                break;
            printf("  %s.wast:%u: %s%s\n", result.name.c_str(), failure.line, failure.description.c_str(),
                expected.keys.count(failure.key) ? "  [listed in expected-failures.txt]" : "");
        }
    }
    if (total > options.failure_cap)
        printf("  ... and %zu more (all of them: %s/results/*.result)\n", total - options.failure_cap, options.work.c_str());
}

void print_totals(const Options& options, const std::vector<FileResult>& results)
{
    size_t passed = 0, total = 0, text = 0, wording = 0, compiled = 0, interpreted = 0;
    std::map<std::string, size_t> reasons;
    for (auto& result : results) {
        passed += result.passed;
        total += result.total;
        text += result.decided_by_text_front_end;
        wording += result.wording_differs;
        compiled += result.compiled_modules;
        interpreted += result.interpreted_modules;
        for (auto& [reason, count] : result.fallback_reasons)
            reasons[reason] += count;
    }
    if (options.compiled) {
        printf("spec-compiled: %zu/%zu commands passed; %zu module instances ran compiled, %zu fell back to the interpreter\n",
            passed, total, compiled, interpreted);
        std::vector<std::pair<size_t, std::string>> sorted;
        for (auto& [reason, count] : reasons)
            sorted.push_back({ count, reason });
        std::sort(sorted.rbegin(), sorted.rend());
        for (auto& [count, reason] : sorted)
            printf("  fell back: %zu x %s\n", count, reason.c_str());
        return;
    }
    printf("note: %zu passed assert_malformed commands are on text-format modules; wat2wasm (wabt's text parser) "
           "rejected them, the binary engine never sees text\n",
        text);
    printf("note: %zu passed commands failed for the right reason with a message worded differently from the script\n", wording);
    printf("spec: %zu/%zu commands passed\n", passed, total);
}

int usage()
{
    fprintf(stderr,
        "usage: spec-runner --suite DIR --work DIR --expected FILE (--file NAME | --summary | --update-expected)\n"
        "  --file NAME        convert and run NAME.wast; check it against the expected failures\n"
        "  --summary          every file (reusing results this binary wrote), totals, the ratchet\n"
        "  --update-expected  run every file and rewrite the expected-failures list\n"
        "  --cap N            show at most N failing commands (default 20)\n"
        "  --verbose          with --file: also list passes whose error message is worded differently\n"
        "  --tier compiled    run on the compiled tier (modules it does not cover fall back to the\n"
        "                     interpreter and are counted); the summary line is then spec-compiled:\n"
        "The suite folder defaults to $AZOTH_WASM_SPEC_DIR when that is set.\n");
    return exit_usage;
}

bool parse_options(int argc, char** argv, Options& options)
{
    std::string cap;
    std::string tier = "interp";
    const std::pair<std::string_view, std::string*> with_value[] = { { "--suite", &options.suite }, { "--work", &options.work },
        { "--expected", &options.expected }, { "--file", &options.file }, { "--cap", &cap }, { "--tier", &tier } };
    const std::pair<std::string_view, bool*> flags[] = { { "--summary", &options.summary }, { "--verbose", &options.verbose },
        { "--update-expected", &options.update_expected } };
    for (int i = 1; i < argc; ++i) {
        std::string_view argument = argv[i];
        auto named = [&](const auto& option) { return option.first == argument; };
        if (auto option = std::find_if(std::begin(with_value), std::end(with_value), named); option != std::end(with_value)) {
            if (i + 1 >= argc)
                return false;
            *option->second = argv[++i];
            if (option->second == &cap)
                options.failure_cap = strtoul(cap.c_str(), nullptr, 10);
        } else if (auto flag = std::find_if(std::begin(flags), std::end(flags), named); flag != std::end(flags)) {
            *flag->second = true;
        } else {
            return false;
        }
    }
    if (const char* environment = getenv("AZOTH_WASM_SPEC_DIR"); environment && *environment)
        options.suite = environment;
    if (tier != "interp" && tier != "compiled")
        return false;
    options.compiled = tier == "compiled";
    if (options.compiled && options.update_expected)
        return false; // the list is the interpreter's; compiled runs are checked against it
    int modes = !options.file.empty() + options.summary + options.update_expected;
    return modes == 1 && !options.suite.empty() && !options.work.empty() && !options.expected.empty();
}

} // namespace

int main(int argc, char** argv)
{
    Options options;
    if (!parse_options(argc, argv, options))
        return usage();
    std::vector<std::string> names = suite_files(options.suite);
    if (names.empty()) {
        printf("SKIPPED: no spec testsuite (.wast files) at '%s'; set AZOTH_WASM_SPEC_DIR to the Wasm 2.0 testsuite\n",
            options.suite.c_str());
        return exit_skip;
    }

    ExpectedFailures expected;
    std::string error;
    if (!options.update_expected && !ExpectedFailures::load(options.expected, expected, error)) {
        fprintf(stderr, "spec-runner: %s\n", error.c_str());
        return exit_usage;
    }

    if (!options.file.empty()) {
        if (std::find(names.begin(), names.end(), options.file) == names.end()) {
            printf("SKIPPED: %s.wast is not in the suite at '%s'\n", options.file.c_str(), options.suite.c_str());
            return exit_skip;
        }
        FileResult result = run_file(options, options.file);
        save_result(options, result);
        printf("%s: %zu/%zu\n", result.name.c_str(), result.passed, result.total);
        if (options.compiled) {
            printf("%s: %zu module instances compiled, %zu on the interpreter\n", result.name.c_str(), result.compiled_modules,
                result.interpreted_modules);
            for (auto& [reason, count] : result.fallback_reasons)
                printf("  fell back: %zu x %s\n", count, reason.c_str());
        }
        if (options.verbose) {
            for (auto& note : result.notes)
                printf("  worded differently: %s\n", note.c_str());
        }
        print_failures(options, { result }, expected);
        return report_ratchet(options, { result }, expected) ? exit_ok : exit_ratchet;
    }

    std::vector<FileResult> results;
    for (auto& name : names) {
        FileResult result;
        if (options.update_expected || !load_result(options, name, result)) {
            result = run_file(options, name);
            save_result(options, result);
        }
        results.push_back(std::move(result));
    }

    if (options.update_expected) {
        std::map<std::string, std::vector<Failure>> failures_by_file;
        bool usable = true;
        for (auto& result : results) {
            failures_by_file[result.name] = result.failures;
            if (!result.converted) {
                printf("ERROR %s: %s\n", result.name.c_str(), result.problem.c_str());
                usable = false;
            }
        }
        if (!usable) {
            printf("not writing %s: some scripts could not be run\n", options.expected.c_str());
            return exit_usage;
        }
        if (!write_file(options.expected, format_expected_failures(failures_by_file))) {
            fprintf(stderr, "spec-runner: cannot write %s\n", options.expected.c_str());
            return exit_usage;
        }
        size_t count = 0;
        for (auto& result : results)
            count += result.failures.size();
        printf("wrote %s: %zu expected failures\n", options.expected.c_str(), count);
        print_totals(options, results);
        return exit_ok;
    }

    for (auto& result : results)
        printf("%s: %zu/%zu\n", result.name.c_str(), result.passed, result.total);
    print_failures(options, results, expected);
    bool holds = report_ratchet(options, results, expected);
    print_totals(options, results);
    return holds ? exit_ok : exit_ratchet;
}
