"""The reproducible ustar writer of the initrd builders (make-initrd.py, make-spec-initrd.py)."""
import os
import tarfile


def write_tar(output, entries, mode=None):
    """Writes (path, arcname) entries, in order, to the ustar archive OUTPUT (through OUTPUT.tmp,
    renamed when complete), each with owner 0, no owner names, time 0 and, when `mode` is given,
    that mode (otherwise the file's own), so the same inputs always give the same bytes."""
    temporary = output + ".tmp"
    with tarfile.open(temporary, "w", format=tarfile.USTAR_FORMAT) as tar:
        for path, arcname in entries:
            info = tar.gettarinfo(path, arcname)
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mtime = 0
            if mode is not None:
                info.mode = mode
            with open(path, "rb") as file:
                tar.addfile(info, file)
    os.replace(temporary, output)
