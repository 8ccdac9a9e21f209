/*
 * NumPy .npy files: the format the field exchanges network weights in.
 *
 * Format (numpy/lib/format.py, versions 1.0 and 2.0): the 6-byte magic
 * "\x93NUMPY", a major and a minor version byte (1.0 or 2.0), the header
 * length as a little-endian uint16 (1.0) or uint32 (2.0), then the header:
 * an ASCII Python dict literal
 *
 *   {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }
 *
 * padded with spaces and ended by '\n' so that the data start on an
 * aligned offset (numpy pads to 64 bytes, older versions to 16), then the
 * elements in C (row-major) order with no gap and nothing after them.
 *
 * Reading (xb_npy_read) converts to double and is strict. Accepted dtypes
 * are '<f8', '<f4', '<i4', '<i8' and '|u1' (little-endian or one byte);
 * the header must be a dict with exactly the three keys, each once, in any
 * order, keys and descr quoted with ' or ", a trailing comma allowed.
 * Each kind of bad file has its own code, with a message naming the file:
 *   XB_EIO      cannot open or read (missing, not a regular file);
 *   XB_ESYNTAX  bad magic, unknown version, header not a valid dict;
 *   XB_ETYPE    a dtype outside the list (big-endian, complex, ...), or
 *               fortran_order True (column-major data is refused, not
 *               transposed behind the caller's back);
 *   XB_ESIZE    the shape does not have the rank or sizes the caller
 *               expects, a size is 0, or the element count overflows
 *               XB_NPY_MAX_SIZE;
 *   XB_EDATA    the file size is not header + elements (truncated, or
 *               bytes left over);
 *   XB_ENAN     a float element is NaN or infinite (weights never are).
 * Nothing is allocated before the size check, and the outputs are only
 * written once the whole file has been read and checked.
 *
 * Writing (xb_npy_write) stores doubles as '<f8', version 1.0, header
 * padded to a multiple of 64 bytes, to a temporary name renamed over the
 * path, so the path holds the old file or the complete new one.
 */
#ifndef XBAR_NPY_H
#define XBAR_NPY_H

#include <stddef.h>
#include <xbar/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Highest rank read or written. */
#define XB_NPY_MAX_DIMS 4
/* Largest element count accepted (2^31 - 1); bigger is taken as corrupt. */
#define XB_NPY_MAX_SIZE 2147483647u
/* Largest header accepted (bytes after the length field). */
#define XB_NPY_MAX_HEADER 65536u

/* Read the .npy file `path`, which must have rank `ndims`
 * (1..XB_NPY_MAX_DIMS). dims[0..ndims-1] is in and out: on entry a
 * non-zero dims[k] is the size the caller expects (XB_ESIZE when the file
 * differs) and 0 accepts any size; on success every dims[k] holds the
 * file's size and *data a malloc'ed array of their product doubles in C
 * order, which the caller frees with free(). Codes: XB_EINVAL (NULL
 * argument, ndims out of range), XB_EIO, XB_ESYNTAX, XB_ETYPE, XB_ESIZE,
 * XB_EDATA, XB_ENAN as in the file comment, XB_ENOMEM. On error dims and
 * *data are unchanged. */
int xb_npy_read(const char *path, int ndims, size_t dims[], double **data,
                xb_err *err);

/* Write the product of dims[0..ndims-1] doubles of `data` (C order) as a
 * '<f8' .npy file, atomically (see the file comment). Codes: XB_EINVAL
 * (NULL, ndims outside 1..XB_NPY_MAX_DIMS), XB_ESIZE (a size 0, or more
 * than XB_NPY_MAX_SIZE elements), XB_EIO. */
int xb_npy_write(const char *path, int ndims, const size_t dims[],
                 const double *data, xb_err *err);

#ifdef __cplusplus
}
#endif
#endif /* XBAR_NPY_H */
