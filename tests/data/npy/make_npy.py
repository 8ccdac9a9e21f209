# Makes the .npy fixtures of tests/data/npy (good files, written by numpy)
# and tests/data/bad (bad files: numpy-written files cut or edited by hand).
# Run once with Debian's python3-numpy: python3 tests/data/npy/make_npy.py
# (from the repository root). test_npy reads them; it needs no Python.
import numpy as np, os
good, bad = "tests/data/npy", "tests/data/bad"
a = (np.arange(12, dtype=np.float64).reshape(3, 4) - 5.5) * 0.25
np.save(f"{good}/f8_3x4.npy", a)
np.save(f"{good}/f4_5.npy", np.array([1.5, -2.25, 3e-3, 1e30, -0.0], np.float32))
np.save(f"{good}/i4_2x3.npy", np.array([[1, -2, 3], [-2147483648, 0, 2147483647]], np.int32))
np.save(f"{good}/i8_2x3x4.npy", np.arange(-12, 12, dtype=np.int64).reshape(2, 3, 4) * 1000003)
np.save(f"{good}/u1_4.npy", np.array([0, 1, 128, 255], np.uint8))
np.save(f"{good}/f8_1x2x1x3.npy", np.arange(6, dtype=np.float64).reshape(1, 2, 1, 3) / 3)
with open(f"{good}/v2_f8_3x4.npy", "wb") as f:
    np.lib.format.write_array(f, a, version=(2, 0))
raw = open(f"{good}/f8_3x4.npy", "rb").read()
def put(name, data):
    open(f"{bad}/{name}", "wb").write(data)
hdr_end = raw.index(b"\n") + 1
put("npy_truncated.npy", raw[:-5])
put("npy_trailing.npy", raw + b"\0")
put("npy_bad_magic.npy", b"\x93NUMPX" + raw[6:])
put("npy_bad_version.npy", raw[:6] + b"\x04\x00" + raw[8:])
put("npy_bad_header.npy", raw.replace(b"'shape': (3, 4)", b"'shape': [3, 4]"))
put("npy_header_cut.npy", raw[:40])
with open(f"{bad}/npy_big_endian.npy", "wb") as f:
    np.save(f, a.astype(">f8"))
with open(f"{bad}/npy_complex.npy", "wb") as f:
    np.save(f, a.astype(np.complex128))
np.save(f"{bad}/npy_fortran.npy", np.asfortranarray(a))
def with_header(d, data):  # a version 1.0 file with header dict d
    h = d.encode() + b" " * (64 - (len(d) + 11) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(h).to_bytes(2, "little") + h + data
body = raw[hdr_end:]
put("npy_overflow.npy", with_header("{'descr': '<f8', 'fortran_order': False, "
                                    "'shape': (99999999999,), }", body))
put("npy_huge.npy", with_header("{'descr': '<f8', 'fortran_order': False, "
                                "'shape': (65536, 65536), }", body))
b = bytearray(raw); b[hdr_end + 8:hdr_end + 16] = np.array([np.nan]).tobytes()
put("npy_nan.npy", bytes(b))
