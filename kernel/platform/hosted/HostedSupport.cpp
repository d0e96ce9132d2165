#include <kernel/platform/hosted/HostedSupport.h>

#include <stdio.h>
#include <stdlib.h>

namespace ath::wasm::hosted {

void print_error(const char* tool, const char* what, const Error& error)
{
    if (error.has_offset())
        fprintf(stderr, "%s: %s: %s (%s at byte %llu)\n", tool, what, error.reason, error_code_name(error.code),
                static_cast<unsigned long long>(error.offset));
    else
        fprintf(stderr, "%s: %s: %s (%s)\n", tool, what, error.reason, error_code_name(error.code));
}

void* MallocAllocator::allocate(usize size, usize alignment)
{
    // aligned_alloc wants a power-of-two alignment of at least a pointer and a size multiple of it.
    if (alignment < sizeof(void*))
        alignment = sizeof(void*);
    usize rounded = (size + alignment - 1) & ~(alignment - 1);
    void* pointer = aligned_alloc(alignment, rounded == 0 ? alignment : rounded);
    if (pointer)
        ++m_live;
    return pointer;
}

void MallocAllocator::deallocate(void* pointer, usize, usize)
{
    if (!pointer)
        return;
    --m_live;
    free(pointer);
}

Result<FileBytes> FileBytes::read(const char* path)
{
    FILE* file = fopen(path, "rb");
    if (!file)
        return Error::from(ErrorCode::NotFound, "cannot open file");
    fseek(file, 0, SEEK_END);
    long length = ftell(file);
    fseek(file, 0, SEEK_SET);
    if (length < 0) {
        fclose(file);
        return Error::from(ErrorCode::InvalidArgument, "cannot size file");
    }
    u8* data = static_cast<u8*>(malloc(length > 0 ? static_cast<usize>(length) : 1));
    if (!data) {
        fclose(file);
        return Error::from(ErrorCode::OutOfMemory, "file too large");
    }
    usize got = fread(data, 1, static_cast<usize>(length), file);
    fclose(file);
    if (got != static_cast<usize>(length)) {
        free(data);
        return Error::from(ErrorCode::InvalidArgument, "short read");
    }
    return FileBytes(data, got);
}

FileBytes::~FileBytes() { free(m_data); }

Result<Module> load_module_file(Allocator& allocator, const char* path)
{
    // The bytes are used where they are, in their Result (TRY would move them out, which
    // clang-analyzer follows as a leak on the way out and a free of garbage on the error path).
    auto file = FileBytes::read(path);
    if (file.is_error())
        return file.release_error();
    return Module::create(allocator, file.value().bytes());
}

} // namespace ath::wasm::hosted
