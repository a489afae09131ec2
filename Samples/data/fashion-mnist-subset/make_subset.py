#!/usr/bin/env python3
"""Make the Fashion-MNIST subset shipped in this folder from Debian's dataset-fashion-mnist.

Takes the first 10 000 training and the first 2 000 test images and labels, rewrites the IDX
headers with the new counts, and writes them gzipped (level 9, no file name, mtime 0, so the
output depends only on the input and zlib). Every input and output is checked against the
SHA-256 of its uncompressed content recorded below; a mismatch stops the script.

    python3 make_subset.py                       # from /usr/share/datasets/fashion-mnist
    python3 make_subset.py --source DIR          # from another copy of the full data set
    python3 make_subset.py --check               # only verify the files in this folder

Standard library only. See README.md in this folder.
"""
import argparse
import gzip
import hashlib
import io
import os
import struct
import sys
import zlib

DEFAULT_SOURCE = "/usr/share/datasets/fashion-mnist"
HERE = os.path.dirname(os.path.abspath(__file__))
TRAIN_COUNT = 10_000
TEST_COUNT = 2_000

# name: (items kept, rank, SHA-256 of the full uncompressed source, SHA-256 of the uncompressed subset)
FILES = {
    "train-images-idx3-ubyte": (TRAIN_COUNT, 3,
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "ed2e37ed5a3a57d212141a69fe0a0de5a7126ffba14ac3f7e76f5f52cc04b1f0"),
    "train-labels-idx1-ubyte": (TRAIN_COUNT, 1,
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        "a69f2dad024ca220a8c4d85f621fdf929042d40c444abde2868903e9220ad517"),
    "t10k-images-idx3-ubyte": (TEST_COUNT, 3,
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "862035b0a96959b614c9574f4c2b0ae9584ca234813e8d6d7adb7838b12ca46b"),
    "t10k-labels-idx1-ubyte": (TEST_COUNT, 1,
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        "aa3f574d30afaf0d4d9da084a6f8541771e20693d6a97fae6e9a4953fca8f078"),
}


def fail(message):
    sys.exit(f"make_subset.py: {message}")


def read_source(directory, name):
    """The uncompressed bytes of NAME or NAME.gz in DIRECTORY."""
    plain = os.path.join(directory, name)
    if os.path.exists(plain):
        with open(plain, "rb") as f:
            return plain, f.read()
    packed = plain + ".gz"
    if os.path.exists(packed):
        with gzip.open(packed, "rb") as f:
            return packed, f.read()
    fail(f"{plain}[.gz]: no such file (install Debian's dataset-fashion-mnist or pass --source DIR)")


def take_prefix(data, path, rank, count):
    """An IDX file holding the first COUNT items of DATA, with its header rewritten."""
    header_size = 4 + 4 * rank
    if len(data) < header_size:
        fail(f"{path}: truncated IDX header")
    magic, = struct.unpack(">I", data[:4])
    if magic != 0x800 | rank:
        fail(f"{path}: bad magic number {magic:#010x}, expected {0x800 | rank:#010x}")
    dims = list(struct.unpack(f">{rank}I", data[4:header_size]))
    if dims[0] < count:
        fail(f"{path}: holds {dims[0]} items, fewer than the {count} the subset needs")
    item_size = 1
    for d in dims[1:]:
        item_size *= d
    dims[0] = count
    return struct.pack(f">I{rank}I", magic, *dims) + data[header_size:header_size + count * item_size]


def gzip_bytes(data):
    """Deterministic gzip: level 9, no file name, mtime 0."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=buffer, mtime=0) as f:
        f.write(data)
    return buffer.getvalue()


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def check_folder():
    """Verify the shipped .gz files against the recorded content checksums."""
    for name, (count, rank, _, expected) in FILES.items():
        path = os.path.join(HERE, name + ".gz")
        if not os.path.exists(path):
            fail(f"{path}: no such file")
        try:
            with gzip.open(path, "rb") as f:
                content = f.read()
        except (OSError, EOFError, zlib.error) as error:
            fail(f"{path}: gzip data is corrupt: {error}")
        if sha256(content) != expected:
            fail(f"{path}: content SHA-256 {sha256(content)} differs from the recorded {expected}")
        print(f"ok  {name}.gz  {count} items  sha256(content) {expected[:16]}…")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", default=DEFAULT_SOURCE, help="directory of the full data set")
    parser.add_argument("--check", action="store_true", help="only verify the files in this folder")
    arguments = parser.parse_args()
    if arguments.check:
        check_folder()
        return
    for name, (count, rank, source_sha, subset_sha) in FILES.items():
        path, data = read_source(arguments.source, name)
        if sha256(data) != source_sha:
            fail(f"{path}: content SHA-256 {sha256(data)} is not Fashion-MNIST's {source_sha}")
        subset = take_prefix(data, path, rank, count)
        if sha256(subset) != subset_sha:
            fail(f"{name}: subset SHA-256 {sha256(subset)} differs from the recorded {subset_sha}")
        with open(os.path.join(HERE, name + ".gz"), "wb") as f:
            f.write(gzip_bytes(subset))
    check_folder()


if __name__ == "__main__":
    main()
