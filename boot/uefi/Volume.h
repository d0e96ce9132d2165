#pragma once

// Files on the volume the loader itself was loaded from (the ESP).
#include "Firmware.h"

namespace ath::boot {

struct LoadedFile {
    PageRun pages;
    u64 size;

    ReadonlyBytes bytes() const { return ReadonlyBytes(reinterpret_cast<const u8*>(pages.physical), size); }
};

class BootVolume {
public:
    static Result<BootVolume> open(uefi::Handle image, uefi::BootServices& services);

    // Reads a whole file into fresh pages of `type`; NotFound when it does not exist.
    Result<LoadedFile> read(const uefi::Char16* path, uefi::MemoryType type, u64 max_size);

private:
    BootVolume(uefi::BootServices& services, uefi::FileProtocol* root) : m_services(&services), m_root(root) { }
    Result<u64> size_of(uefi::FileProtocol* file);

    uefi::BootServices* m_services;
    uefi::FileProtocol* m_root;
};

} // namespace ath::boot
