#!/bin/sh
# ./azoth exec --disk end to end: a FAT32 image made by mkfs.fat with a file put there by mcopy,
# the fat_disk WASI program run on it (default guest path /data), then the image read back by
# mtools (the files the program wrote, byte for byte) and checked by fsck.fat -n.
#   fat-disk-cli.sh AZOTH_EXEC FAT_DISK_WASM
set -eu
exec_path=$1
module=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/azoth-fat-disk.XXXXXX")
trap 'rm -rf "$work"' EXIT
export MTOOLS_SKIP_CHECK=1 LC_ALL=C.UTF-8
mkfs.fat -C -F 32 -s 1 "$work/disk.img" 34816 >/dev/null
printf 'put there by mcopy\n' > "$work/from-host.txt"
mcopy -i "$work/disk.img" "$work/from-host.txt" ::/FROM-HOST.TXT
"$exec_path" --disk "$work/disk.img" "$module"
mcopy -i "$work/disk.img" "::/Written By Azoth/A long file name.txt" "$work/long.txt"
i=0
: > "$work/expected.txt"
while [ $i -lt 2000 ]; do printf 'line %d of a file on our own FAT\n' $i >> "$work/expected.txt"; i=$((i + 1)); done
cmp "$work/long.txt" "$work/expected.txt"
[ "$(mtype -i "$work/disk.img" "::/Written By Azoth/Moved Small File.txt")" = "hello from wasm" ]
if mdir -i "$work/disk.img" ::/gone >/dev/null 2>&1; then echo "fat-disk-cli: /gone still exists"; exit 1; fi
fsck.fat -n "$work/disk.img"
echo "fat-disk-cli: mtools read back what the module wrote; fsck.fat -n clean"
