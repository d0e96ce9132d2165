#pragma once

// Hosted-only conveniences for tests, tools and benchmarks (not part of the freestanding engine):
// a malloc-backed Allocator (for the engine and for kernel objects alike) and a whole-file reader
// for .wasm files.
#include <kernel/wasm/Runtime.h>

#include <sysexits.h>

namespace ath::wasm::hosted {

class MallocAllocator final : public Allocator {
public:
    void* allocate(usize size, usize alignment) override;
    void deallocate(void* pointer, usize size, usize alignment) override;

    usize live_allocations() const { return m_live; }

private:
    usize m_live { 0 };
};

// The bytes of a file, owned (freed by the destructor).
class FileBytes {
public:
    static Result<FileBytes> read(const char* path);

    FileBytes(FileBytes&& other) : m_data(exchange(other.m_data, nullptr)), m_size(exchange(other.m_size, 0)) { }
    FileBytes(const FileBytes&) = delete;
    FileBytes& operator=(const FileBytes&) = delete;
    FileBytes& operator=(FileBytes&&) = delete;
    ~FileBytes();

    ReadonlyBytes bytes() const { return ReadonlyBytes(m_data, m_size); }

private:
    FileBytes(u8* data, usize size) : m_data(data), m_size(size) { }
    u8* m_data { nullptr };
    usize m_size { 0 };
};

// The exit statuses of the hosted tools that run modules (azoth-exec, abi-fuzz-host), from
// sysexits.h: bad usage, a module that cannot be read, validated or linked, a trap.
inline constexpr int exit_usage = EX_USAGE;
inline constexpr int exit_bad_module = EX_DATAERR;
inline constexpr int exit_trap = EX_SOFTWARE;

// What a hosted tool says of an error on stderr: "TOOL: WHAT: REASON (CODE[ at byte OFFSET])".
void print_error(const char* tool, const char* what, const Error& error);

// Reads and creates a module in one step.
Result<Module> load_module_file(Allocator&, const char* path);

// Calls `callback(name, function)` for every function `module` exports, in export order, as
// `instance` (an instance of `module`) holds it. NotFound, after the others, when the instance
// lacks one the module declares.
template<typename Callback>
ErrorOr for_each_exported_function(const Module& module, Instance& instance, Callback callback)
{
    ErrorOr outcome;
    for (usize i = 0; i < module.export_count(); ++i) {
        ExportDescription description = module.export_at(i);
        if (description.type.kind != ExternKind::Function)
            continue;
        auto exported = instance.find_export(description.name);
        if (!exported.has_value() || !exported->as_function()) {
            outcome = Error::from(ErrorCode::NotFound, "the instance lacks a function its module exports");
            continue;
        }
        callback(description.name, *exported->as_function());
    }
    return outcome;
}

} // namespace ath::wasm::hosted
