#!/usr/bin/env python3
"""The corrupt-image corpus (docs/storage.md "Bad input"): valid FAT12/16/32 images made with
mkfs.fat and mcopy, then targeted corruptions of each (boot sector fields, FAT chains that loop,
leave the cluster range, run into free or bad clusters; directory entries pointing anywhere;
sizes past the chain; long-name garbage; partition tables pointing past the disk; random bytes
over a FAT or directory sector). Nothing is committed: every image is generated here.

Each image goes through fat_walk (the library mounting it and touching every file and directory
under ASan/UBSan), which must exit 0 within the time limit, and its report must show what the case
expects: the mount refused (EINVAL), the affected files answering EIO with the rest readable and
the volume read-only, or (random damage) only that nothing crashed or hung.

usage: corrupt-corpus.py FAT_WALK [--keep DIR] [NAME...]"""
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile

EINVAL, EIO, EROFS = 28, 29, 69


class Image:
    def __init__(self, data):
        self.b = bytearray(data)
        b = self.b
        self.bps = struct.unpack_from('<H', b, 11)[0]
        self.spc = b[13]
        self.reserved = struct.unpack_from('<H', b, 14)[0]
        self.fats = b[16]
        self.root_entries = struct.unpack_from('<H', b, 17)[0]
        total16 = struct.unpack_from('<H', b, 19)[0]
        self.total = total16 or struct.unpack_from('<I', b, 32)[0]
        fat16 = struct.unpack_from('<H', b, 22)[0]
        self.fat_sectors = fat16 or struct.unpack_from('<I', b, 36)[0]
        root_sectors = (self.root_entries * 32 + self.bps - 1) // self.bps
        self.root_offset = (self.reserved + self.fats * self.fat_sectors) * self.bps
        self.data_sector = self.reserved + self.fats * self.fat_sectors + root_sectors
        self.clusters = (self.total - self.data_sector) // self.spc
        self.bits = 12 if self.clusters < 4085 else 16 if self.clusters < 65525 else 32
        self.root_cluster = struct.unpack_from('<I', b, 44)[0] if self.bits == 32 else 0
        self.cluster_size = self.bps * self.spc

    def fat_offset(self, copy, cluster):
        base = (self.reserved + copy * self.fat_sectors) * self.bps
        return base + (cluster * 3 // 2 if self.bits == 12 else cluster * self.bits // 8)

    def fat_get(self, cluster):
        at = self.fat_offset(0, cluster)
        if self.bits == 12:
            v = struct.unpack_from('<H', self.b, at)[0]
            return v >> 4 if cluster & 1 else v & 0xFFF
        if self.bits == 16:
            return struct.unpack_from('<H', self.b, at)[0]
        return struct.unpack_from('<I', self.b, at)[0] & 0x0FFFFFFF

    def fat_set(self, cluster, value):
        for copy in range(self.fats):
            at = self.fat_offset(copy, cluster)
            if self.bits == 12:
                v = struct.unpack_from('<H', self.b, at)[0]
                v = (v & 0x000F) | ((value & 0xFFF) << 4) if cluster & 1 else (v & 0xF000) | (value & 0xFFF)
                struct.pack_into('<H', self.b, at, v)
            elif self.bits == 16:
                struct.pack_into('<H', self.b, at, value & 0xFFFF)
            else:
                struct.pack_into('<I', self.b, at, value & 0x0FFFFFFF)

    def eoc(self):
        return {12: 0xFFF, 16: 0xFFFF, 32: 0x0FFFFFFF}[self.bits]

    def cluster_offset(self, cluster):
        return (self.data_sector + (cluster - 2) * self.spc) * self.bps

    def chain(self, first):
        out = [first]
        while len(out) < 100000:
            v = self.fat_get(out[-1])
            if v >= self.eoc() - 7 or v < 2:
                break
            out.append(v)
        return out

    def directory_slots(self, cluster):
        """Byte offsets of every entry of a directory (0: the root)."""
        if cluster == 0 and self.bits != 32:
            return [self.root_offset + i * 32 for i in range(self.root_entries)]
        cluster = cluster or self.root_cluster
        return [self.cluster_offset(c) + i * 32 for c in self.chain(cluster) for i in range(self.cluster_size // 32)]

    def entry(self, path):
        """The byte offset of the short entry of PATH (short names, '/'-separated)."""
        cluster = 0
        parts = path.split('/')
        for depth, part in enumerate(parts):
            base, _, ext = part.partition('.')
            name = (base.ljust(8) + ext.ljust(3)).encode()
            for at in self.directory_slots(cluster):
                if self.b[at:at + 11] == name and self.b[at + 11] != 0x0F:
                    break
            else:
                raise KeyError(path)
            if depth < len(parts) - 1:
                cluster = self.entry_cluster(at)
        return at

    def entry_cluster(self, at):
        return struct.unpack_from('<H', self.b, at + 20)[0] << 16 | struct.unpack_from('<H', self.b, at + 26)[0]

    def set_entry_cluster(self, at, cluster):
        struct.pack_into('<H', self.b, at + 20, cluster >> 16)
        struct.pack_into('<H', self.b, at + 26, cluster & 0xFFFF)


def base_image(scratch, kind):
    path = os.path.join(scratch, f'base-{kind}.img')
    options, kilobytes = {'fat12': ('-F 12', 1440), 'fat16': ('-F 16 -s 1', 16384), 'fat32': ('-F 32 -s 1', 34816)}[kind]
    subprocess.run(f'mkfs.fat -C {options} {path} {kilobytes}', shell=True, check=True, capture_output=True)
    tree = os.path.join(scratch, f'tree-{kind}')
    os.makedirs(os.path.join(tree, 'DIR', 'SUB'), exist_ok=True)
    random.seed(kind)
    with open(os.path.join(tree, 'BIG.BIN'), 'wb') as f:
        f.write(bytes(random.getrandbits(8) for _ in range(20000)))
    with open(os.path.join(tree, 'SMALL.TXT'), 'wb') as f:
        f.write(b'small file\n')
    with open(os.path.join(tree, 'DIR', 'INNER.TXT'), 'wb') as f:
        f.write(b'inner\n' * 300)
    with open(os.path.join(tree, 'A long file name.text'), 'wb') as f:
        f.write(b'long name\n')
    env = dict(os.environ, MTOOLS_SKIP_CHECK='1', LC_ALL='C.UTF-8')
    subprocess.run(f"mcopy -s -i {path} {tree}/* ::/", shell=True, check=True, env=env, capture_output=True)
    with open(path, 'rb') as f:
        return f.read()


def cases(bases):
    """(name, base kind, corrupt(image) -> bytes, expectations: regexes the walk report must match)."""
    refused = [rf'^mount: error {EINVAL}$']
    broken_big = [r'^mount: ok$', rf'^file /BIG\.BIN: error {EIO}$', r'^file /SMALL\.TXT: ok 11$', rf'^create: error {EROFS}$',
                  r'^corruption: yes$', r'^read-only: yes$']

    def field(offset, fmt, value):
        def corrupt(img):
            struct.pack_into(fmt, img.b, offset, value)
        return corrupt

    def big_chain(change):
        def corrupt(img):
            chain = img.chain(img.entry_cluster(img.entry('BIG.BIN')))
            change(img, chain)
        return corrupt

    def small_entry(change):
        def corrupt(img):
            change(img, img.entry('SMALL.TXT'))
        return corrupt

    def random_sector(offset_of):
        def corrupt(img):
            rng = random.Random(offset_of.__name__)
            at = offset_of(img)
            img.b[at:at + img.bps] = bytes(rng.getrandbits(8) for _ in range(img.bps))
        return corrupt

    def root_sector(img):
        return img.root_offset if img.bits != 32 else img.cluster_offset(img.root_cluster)

    def fat_sector(img):
        return img.reserved * img.bps

    def lfn_garbage(img):
        for at in img.directory_slots(0):
            if img.b[at + 11] == 0x0F:
                img.b[at] = 0x7F          # an impossible order
                img.b[at + 13] ^= 0x55    # a wrong checksum

    def directory_loop(img):
        sub = img.entry('DIR/SUB')
        img.set_entry_cluster(sub, img.entry_cluster(img.entry('DIR')))

    def directory_chain_loop(img):
        d = img.entry_cluster(img.entry('DIR'))
        img.fat_set(d, d)

    def root_chain_loop(img):
        img.fat_set(img.root_cluster, img.root_cluster)

    def partition_past_the_end(img):
        sectors = len(img.b) // 512
        mbr = bytearray(512 * 2048)
        mbr[446 + 4] = 0x0C
        struct.pack_into('<I', mbr, 446 + 8, 2048)
        struct.pack_into('<I', mbr, 446 + 12, sectors * 4)  # claims more than the disk has
        mbr[510:512] = b'\x55\xaa'
        img.b[:] = mbr + img.b

    def gpt_garbage(img):
        disk = bytearray(512 * 34)
        disk[446 + 4] = 0xEE
        disk[510:512] = b'\x55\xaa'
        disk[512:520] = b'EFI PART'
        struct.pack_into('<Q', disk, 512 + 72, 1 << 60)       # entries far past the disk
        struct.pack_into('<I', disk, 512 + 80, 0xFFFFFFFF)
        struct.pack_into('<I', disk, 512 + 84, 128)
        img.b[:] = disk + img.b

    out = []
    for kind in ('fat12', 'fat16', 'fat32'):
        out += [
            (f'{kind}-valid', kind, lambda img: None, [r'^mount: ok$', r'^file /BIG\.BIN: ok 20000$', r'^file /DIR/INNER\.TXT: ok 1800$',
                                                       r'^file /A long file name\.text: ok 10$', r'^create: ok 0$', r'^corruption: no$']),
            (f'{kind}-bytes-per-sector-0', kind, field(11, '<H', 0), refused),
            (f'{kind}-bytes-per-sector-100', kind, field(11, '<H', 100), refused),
            (f'{kind}-sectors-per-cluster-3', kind, field(13, '<B', 3), refused),
            (f'{kind}-no-fats', kind, field(16, '<B', 0), refused),
            (f'{kind}-no-reserved-sectors', kind, field(14, '<H', 0), refused),
            (f'{kind}-total-past-the-disk', kind, field(32, '<I', 0x7FFFFFFF) if kind == 'fat32' else field(19, '<H', 0xFFFF), refused),
            (f'{kind}-fat-too-small', kind, field(36, '<I', 1) if kind == 'fat32' else field(22, '<H', 1), refused),
            (f'{kind}-no-signature', kind, field(510, '<H', 0), refused),
            (f'{kind}-chain-loop', kind, big_chain(lambda img, c: img.fat_set(c[-1], c[0])), broken_big),
            (f'{kind}-chain-self-loop', kind, big_chain(lambda img, c: img.fat_set(c[3], c[3])), broken_big),
            (f'{kind}-chain-out-of-range', kind, big_chain(lambda img, c: img.fat_set(c[2], img.clusters + 10)), broken_big),
            (f'{kind}-chain-into-free', kind, big_chain(lambda img, c: img.fat_set(c[2], img.clusters)), broken_big),
            (f'{kind}-chain-bad-cluster', kind, big_chain(lambda img, c: img.fat_set(c[1], img.eoc() - 8)), broken_big),
            (f'{kind}-chain-ends-early', kind, big_chain(lambda img, c: img.fat_set(c[5], img.eoc())), broken_big),
            (f'{kind}-entry-cluster-out-of-range', kind, small_entry(lambda img, at: img.set_entry_cluster(at, 0xFFFFFF0 & ((1 << img.bits) - 1) if img.bits != 32 else 0x0FFFFFF0)),
             [r'^mount: ok$', rf'^file /SMALL\.TXT: error {EIO}$', r'^file /BIG\.BIN: ok 20000$', r'^read-only: yes$']),
            (f'{kind}-entry-cluster-1', kind, small_entry(lambda img, at: img.set_entry_cluster(at, 1)),
             [r'^mount: ok$', rf'^file /SMALL\.TXT: error {EIO}$', r'^read-only: yes$']),
            (f'{kind}-entry-size-past-the-chain', kind, small_entry(lambda img, at: struct.pack_into('<I', img.b, at + 28, 0xFFFFFFFF)),
             [r'^mount: ok$', rf'^file /SMALL\.TXT: error {EIO}$', r'^file /BIG\.BIN: ok 20000$', r'^read-only: yes$']),
            (f'{kind}-directory-cluster-out-of-range', kind, lambda img: img.set_entry_cluster(img.entry('DIR'), 0x0FFFFFF0 & ((1 << img.bits) - 1)),
             [r'^mount: ok$', rf'^dir /DIR: error {EIO}$', r'^file /BIG\.BIN: ok 20000$', r'^read-only: yes$']),
            (f'{kind}-directory-is-its-own-child', kind, directory_loop, [r'^mount: ok$', r'^file /BIG\.BIN: ok 20000$']),
            (f'{kind}-directory-chain-loop', kind, directory_chain_loop, [r'^mount: ok$', r'^file /BIG\.BIN: ok 20000$']),
            (f'{kind}-long-name-garbage', kind, lfn_garbage, [r'^mount: ok$', r'^file /ALONGF~1\.TEX: ok 10$', r'^corruption: no$']),
            (f'{kind}-random-fat-sector', kind, random_sector(fat_sector), [r'^(mount: ok|mount: error \d+)$']),
            (f'{kind}-random-root-sector', kind, random_sector(root_sector), [r'^(mount: ok|mount: error \d+)$']),
            (f'{kind}-partition-past-the-disk', kind, partition_past_the_end, refused),
            (f'{kind}-gpt-entries-past-the-disk', kind, gpt_garbage, refused),
        ]
    out += [
        ('fat32-root-cluster-out-of-range', 'fat32', field(44, '<I', 0x0FFFFFF0), refused),
        ('fat32-root-chain-loop', 'fat32', root_chain_loop, [r'^mount: ok$', r'^read-only at mount: yes$', r'^corruption: yes$']),
        ('fat32-fsinfo-garbage', 'fat32', lambda img: img.b.__setitem__(slice(512, 1024), bytes(range(256)) * 2),
         [r'^mount: ok$', r'^read-only at mount: no$', r'^create: ok 0$']),
    ]
    return out


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__)
        return 64
    walker = os.path.abspath(args.pop(0))
    keep = None
    if args[:1] == ['--keep']:
        keep = args[1]
        args = args[2:]
    for tool in ('mkfs.fat', 'mcopy'):
        if not shutil.which(tool):
            print(f'corrupt-corpus: SKIPPED: {tool} missing (./azoth setup installs dosfstools and mtools)')
            return 77
    failures = 0
    with tempfile.TemporaryDirectory(prefix='azoth-corrupt-') as scratch:
        bases = {kind: base_image(scratch, kind) for kind in ('fat12', 'fat16', 'fat32')}
        chosen = [c for c in cases(bases) if not args or any(a in c[0] for a in args)]
        for name, kind, corrupt, expectations in chosen:
            img = Image(bases[kind])
            corrupt(img)
            path = os.path.join(keep or scratch, name + '.img')
            with open(path, 'wb') as f:
                f.write(img.b)
            try:
                result = subprocess.run([walker, path], capture_output=True, text=True, timeout=60)
            except subprocess.TimeoutExpired:
                print(f'FAIL {name}: fat_walk hung (no answer in 60 s)')
                failures += 1
                continue
            report = result.stdout
            problems = []
            if result.returncode != 0:
                problems.append(f'fat_walk exited {result.returncode}: {result.stderr.strip()[-600:]}')
            for expected in expectations:
                if not re.search(expected, report, re.MULTILINE):
                    problems.append(f'no line matching {expected!r}')
            if problems:
                failures += 1
                print(f'FAIL {name}: ' + '; '.join(problems))
                print('  report: ' + report.strip().replace('\n', '\n          '))
            else:
                print(f'ok   {name}')
        print(f'corrupt-corpus: {len(chosen) - failures}/{len(chosen)} images answered as expected')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
