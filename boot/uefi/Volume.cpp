#include "Volume.h"

namespace ath::boot {

Result<BootVolume> BootVolume::open(uefi::Handle image, uefi::BootServices& services)
{
    void* interface = nullptr;
    uefi::Status status = services.handle_protocol(image, &uefi::guids::loaded_image, &interface);
    if (uefi::is_error(status))
        return error_from_status(status, "the firmware does not describe the loaded image");
    auto* loaded_image = static_cast<uefi::LoadedImageProtocol*>(interface);
    status = services.handle_protocol(loaded_image->device_handle, &uefi::guids::simple_file_system, &interface);
    if (uefi::is_error(status))
        return error_from_status(status, "the boot device has no file system");
    auto* file_system = static_cast<uefi::SimpleFileSystemProtocol*>(interface);
    uefi::FileProtocol* root = nullptr;
    status = file_system->open_volume(file_system, &root);
    if (uefi::is_error(status))
        return error_from_status(status, "the boot volume cannot be opened");
    return BootVolume(services, root);
}

Result<u64> BootVolume::size_of(uefi::FileProtocol* file)
{
    // FileInfo ends in the variable-length name; our file names are short.
    alignas(8) u8 buffer[sizeof(uefi::FileInfo) + 256 * sizeof(uefi::Char16)];
    usize size = sizeof(buffer);
    uefi::Status status = file->get_info(file, &uefi::guids::file_info, &size, buffer);
    if (uefi::is_error(status))
        return error_from_status(status, "the file's size cannot be read");
    const auto& info = *reinterpret_cast<const uefi::FileInfo*>(buffer);
    if (info.attribute & uefi::file_attribute_directory)
        return Error::from(ErrorCode::Invalid, "is a directory, not a file");
    return info.file_size;
}

Result<LoadedFile> BootVolume::read(const uefi::Char16* path, uefi::MemoryType type, u64 max_size)
{
    uefi::FileProtocol* file = nullptr;
    uefi::Status status = m_root->open(m_root, &file, path, uefi::file_mode_read, 0);
    if (status == uefi::not_found)
        return Error::from(ErrorCode::NotFound, "not found");
    if (uefi::is_error(status))
        return error_from_status(status, "cannot be opened");

    auto read_all = [&]() -> Result<LoadedFile> {
        u64 size = TRY(size_of(file));
        if (size > max_size)
            return Error::at(ErrorCode::Invalid, size, "file is larger than the loader accepts");
        PageRun pages = TRY(allocate_pages(*m_services, size, type));
        u64 done = 0;
        while (done < size) {
            usize chunk = static_cast<usize>(size - done);
            status = file->read(file, &chunk, reinterpret_cast<u8*>(pages.physical) + done);
            if (uefi::is_error(status) || chunk == 0) {
                free_pages(*m_services, pages);
                return uefi::is_error(status) ? error_from_status(status, "read error")
                                              : Error::at(ErrorCode::Malformed, done, "file ended early");
            }
            done += chunk;
        }
        return LoadedFile { pages, size };
    };
    auto result = read_all();
    file->close(file);
    return result;
}

} // namespace ath::boot
