#!/usr/bin/env python3
"""Wraps a RISC-V PIE (linked at the image's RVAs by uefi.ld) into a PE32+ EFI application.

usage: elf-to-pe.py INPUT.elf OUTPUT.efi [--subsystem 10]

The PE has two sections: .text with every PT_LOAD segment at its address (bss as zeros), and
.reloc with one DIR64 base relocation per R_RISCV_RELATIVE entry (whose addend is written into
the image first, so the firmware's relocation adds the load offset to it). Any other dynamic
relocation is an error: the loader must not need symbol lookups.
"""
import argparse
import struct
import sys

PT_LOAD = 1
SHT_RELA = 4
R_RISCV_RELATIVE = 3
IMAGE_REL_BASED_DIR64 = 10
MACHINE_RISCV64 = 0x5064
SECTION_ALIGNMENT = 0x1000
FILE_ALIGNMENT = 0x200


def align(value, alignment):
    return (value + alignment - 1) // alignment * alignment


def fail(message):
    print(f"elf-to-pe: {message}", file=sys.stderr)
    sys.exit(1)


def read_elf(data):
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        fail("not a little-endian ELF64 file")
    (e_type, e_machine, _, e_entry, e_phoff, e_shoff, _, _, e_phentsize, e_phnum, e_shentsize, e_shnum,
     _) = struct.unpack_from("<HHIQQQIHHHHHH", data, 16)
    if e_machine != 243:
        fail("not a RISC-V ELF file")
    segments = []
    for index in range(e_phnum):
        p_type, _, p_offset, p_vaddr, _, p_filesz, p_memsz, _ = struct.unpack_from("<IIQQQQQQ", data, e_phoff + index * e_phentsize)
        if p_type == PT_LOAD and p_memsz:
            segments.append((p_vaddr, data[p_offset:p_offset + p_filesz], p_memsz))
    relocations = []
    for index in range(e_shnum):
        (_, sh_type, _, _, sh_offset, sh_size, _, _, _, sh_entsize) = struct.unpack_from("<IIQQQQIIQQ", data, e_shoff + index * e_shentsize)
        if sh_type != SHT_RELA:
            continue
        for entry in range(sh_size // 24):
            r_offset, r_info, r_addend = struct.unpack_from("<QQq", data, sh_offset + entry * 24)
            if r_info & 0xFFFFFFFF != R_RISCV_RELATIVE:
                fail(f"relocation type {r_info & 0xFFFFFFFF} at {r_offset:#x} is not R_RISCV_RELATIVE")
            relocations.append((r_offset, r_addend))
    return e_entry, segments, relocations


def base_relocation_table(offsets):
    """Blocks of (page RVA, block size, 16-bit entries), each block 4-byte aligned."""
    table = b""
    pages = {}
    for offset in sorted(offsets):
        pages.setdefault(offset & ~0xFFF, []).append(offset & 0xFFF)
    for page, entries in sorted(pages.items()):
        words = [(IMAGE_REL_BASED_DIR64 << 12) | entry for entry in entries]
        if len(words) % 2:
            words.append(0)  # IMAGE_REL_BASED_ABSOLUTE: padding
        table += struct.pack("<II", page, 8 + 2 * len(words)) + struct.pack(f"<{len(words)}H", *words)
    return table


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--subsystem", type=int, default=10)
    args = parser.parse_args()
    with open(args.input, "rb") as file:
        entry, segments, relocations = read_elf(file.read())
    if not segments:
        fail("no loadable segments")
    start = min(address for address, _, _ in segments)
    end = max(address + size for address, _, size in segments)
    if start < SECTION_ALIGNMENT or start % SECTION_ALIGNMENT:
        fail(f"the image must be linked at {SECTION_ALIGNMENT:#x} or above, page aligned (starts at {start:#x})")
    image = bytearray(end - start)
    for address, content, _ in segments:
        image[address - start:address - start + len(content)] = content
    for offset, addend in relocations:
        if not start <= offset <= end - 8:
            fail(f"relocation at {offset:#x} outside the image")
        struct.pack_into("<Q", image, offset - start, addend)

    text_rva = start
    text_virtual_size = align(len(image), SECTION_ALIGNMENT)
    text_raw = bytes(image) + b"\0" * (align(len(image), FILE_ALIGNMENT) - len(image))
    relocation_table = base_relocation_table([offset for offset, _ in relocations])
    reloc_rva = text_rva + text_virtual_size
    reloc_raw = relocation_table + b"\0" * (align(max(len(relocation_table), 1), FILE_ALIGNMENT) - len(relocation_table))
    size_of_image = reloc_rva + align(max(len(relocation_table), 1), SECTION_ALIGNMENT)
    headers_size = FILE_ALIGNMENT
    text_file_offset = headers_size
    reloc_file_offset = text_file_offset + len(text_raw)

    dos = bytearray(64)
    dos[0:2] = b"MZ"
    struct.pack_into("<I", dos, 0x3C, 64)
    coff = struct.pack("<HHIIIHH", MACHINE_RISCV64, 2, 0, 0, 0, 240, 0x0222)
    optional = struct.pack("<HBBIIIIIQIIHHHHHHIIIIHHQQQQII", 0x20B, 0, 0, len(text_raw), len(reloc_raw), 0, entry,
                           text_rva, 0, SECTION_ALIGNMENT, FILE_ALIGNMENT, 0, 0, 0, 0, 0, 0, 0, size_of_image,
                           headers_size, 0, args.subsystem, 0, 0x10000, 0x10000, 0x10000, 0x10000, 0, 16)
    directories = [(0, 0)] * 16
    directories[5] = (reloc_rva, len(relocation_table))
    optional += b"".join(struct.pack("<II", rva, size) for rva, size in directories)
    assert len(optional) == 240
    sections = struct.pack("<8sIIIIIIHHI", b".text", text_virtual_size, text_rva, len(text_raw), text_file_offset, 0, 0,
                           0, 0, 0xE0000060)
    sections += struct.pack("<8sIIIIIIHHI", b".reloc", align(max(len(relocation_table), 1), SECTION_ALIGNMENT),
                            reloc_rva, len(reloc_raw), reloc_file_offset, 0, 0, 0, 0, 0x42000040)
    headers = bytes(dos) + b"PE\0\0" + coff + optional + sections
    if len(headers) > headers_size:
        fail("headers do not fit")
    headers += b"\0" * (headers_size - len(headers))
    with open(args.output, "wb") as file:
        file.write(headers + text_raw + reloc_raw)


if __name__ == "__main__":
    main()
