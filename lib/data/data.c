/*
 * Data for the sparse-coding demo (see xbar/data.h): the strict IDX
 * reader and atomic writer, the MNIST cache lookup, patch extraction and
 * the synthetic ground-truth task x = clip_[0,1](D_true z + sigma n).
 *
 * Workload: one load of 7.8 MB of MNIST pixels; extraction touches each
 * patch pixel twice (sum test, then copy), about 3.6e8 byte reads for all
 * 3.6 million 10 x 10 stride-1 patches of the 10,000 digits; the synthetic
 * task costs n (k dim + dim) flops plus one normal draw per pixel.
 *
 * Reading is all-or-nothing: the file size is checked against the header
 * before anything is allocated, and outputs are only written once the
 * whole file has been read. Random draws come from Philox streams keyed
 * by the caller's seed; each stream id carries a tag in its top byte so
 * patch positions, atoms, codes and noise never share a stream.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xbar/data.h>
#include <xbar/rng.h>

#include "../core/core_impl.h"

/* Stream tags (top byte of the stream id); indices stay below 2^56. */
#define TAG_PATCH (UINT64_C(0xD1) << 56)
#define TAG_ATOM (UINT64_C(0xD2) << 56)
#define TAG_CODE (UINT64_C(0xD3) << 56)
#define TAG_NOISE (UINT64_C(0xD4) << 56)

/* Random draws allowed per patch in random mode before giving up. */
#define MAX_DRAWS 10000

#define IDX_UBYTE 0x08

static const double PI = 3.14159265358979323846;

/* a * b into *out; 0 when it overflows size_t. */
static int mul_ok(size_t a, size_t b, size_t *out)
{
  if (a && b > SIZE_MAX / a)
    return 0;
  *out = a * b;
  return 1;
}

/* Uniform index in [0, m) from u in (0, 1); m >= 1. */
static size_t uindex(double u, size_t m)
{
  size_t i = (size_t)(u * (double)m);
  return i < m ? i : m - 1;
}

static uint32_t be32(const unsigned char *b)
{
  return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 |
         (uint32_t)b[3];
}

static void put_be32(unsigned char *b, uint32_t v)
{
  b[0] = (unsigned char)(v >> 24);
  b[1] = (unsigned char)(v >> 16);
  b[2] = (unsigned char)(v >> 8);
  b[3] = (unsigned char)v;
}

/* ---- IDX ----------------------------------------------------------------- */

int xb_idx_read(const char *path, int ndims, size_t dims[], unsigned char **data,
                xb_err *err)
{
  if (!path || !dims || !data)
    return xb__err(err, XB_EINVAL, "xb_idx_read: NULL argument");
  if (ndims < 1 || ndims > XB_IDX_MAX_DIMS)
    return xb__err_set(err, XB_EINVAL, path, 0, "ndims", 1, XB_IDX_MAX_DIMS,
                       "ndims = %d outside [1, %d]", ndims, XB_IDX_MAX_DIMS);

  FILE *f = fopen(path, "rb");
  if (!f)
    return xb__err_set(err, XB_EIO, path, 0, NULL, NAN, NAN,
                       "cannot open: %s", strerror(errno));
  unsigned char *buf = NULL;
  int rc = XB_OK;
  struct stat st;
  if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
    rc = xb__err_set(err, XB_EIO, path, 0, NULL, NAN, NAN,
                     "not a regular file");
    goto done;
  }
  const long long fsize = (long long)st.st_size;
  const uint32_t want = (uint32_t)IDX_UBYTE << 8 | (uint32_t)ndims;
  unsigned char hdr[4 + 4 * XB_IDX_MAX_DIMS];
  const size_t hlen = 4 + 4 * (size_t)ndims;

  if (fsize < 4) {
    rc = xb__err_set(err, XB_EDATA, path, 0, NULL, NAN, NAN,
                     "truncated: %lld bytes, less than the 4-byte magic",
                     fsize);
    goto done;
  }
  if (fread(hdr, 1, 4, f) != 4) {
    rc = xb__err_set(err, XB_EIO, path, 0, NULL, NAN, NAN, "read error");
    goto done;
  }
  const uint32_t magic = be32(hdr);
  if (magic != want) {
    rc = xb__err_set(err, XB_ESYNTAX, path, 0, NULL, NAN, NAN,
                     "bad magic 0x%08lx, expected 0x%08lx (unsigned bytes, "
                     "%d dimension%s)",
                     (unsigned long)magic, (unsigned long)want, ndims,
                     ndims == 1 ? "" : "s");
    goto done;
  }
  if ((unsigned long long)fsize < hlen) {
    rc = xb__err_set(err, XB_EDATA, path, 0, NULL, NAN, NAN,
                     "truncated header: %lld bytes, the %d sizes need %zu",
                     fsize, ndims, hlen);
    goto done;
  }
  if (fread(hdr + 4, 1, hlen - 4, f) != hlen - 4) {
    rc = xb__err_set(err, XB_EIO, path, 0, NULL, NAN, NAN, "read error");
    goto done;
  }
  size_t d[XB_IDX_MAX_DIMS], count = 1;
  for (int i = 0; i < ndims; i++) {
    uint32_t s = be32(hdr + 4 + 4 * i);
    if (s == 0 || s > XB_IDX_MAX_SIZE) {
      rc = xb__err_set(err, XB_ESIZE, path, 0, NULL, 1, XB_IDX_MAX_SIZE,
                       "dimension %d has size %lu, allowed [1, %u]", i,
                       (unsigned long)s, XB_IDX_MAX_SIZE);
      goto done;
    }
    d[i] = s;
    if (!mul_ok(count, d[i], &count) || count > XB_IDX_MAX_SIZE) {
      rc = xb__err_set(err, XB_ESIZE, path, 0, NULL, 1, XB_IDX_MAX_SIZE,
                       "more than %u elements", XB_IDX_MAX_SIZE);
      goto done;
    }
  }
  const long long expect = (long long)hlen + (long long)count;
  if (fsize != expect) {
    rc = xb__err_set(err, XB_EDATA, path, 0, NULL, NAN, NAN,
                     "%s: %lld bytes, the header says %lld (%zu + %zu "
                     "elements)",
                     fsize < expect ? "truncated" : "bytes after the data",
                     fsize, expect, hlen, count);
    goto done;
  }
  buf = malloc(count);
  if (!buf) {
    rc = xb__err_set(err, XB_ENOMEM, path, 0, NULL, NAN, NAN,
                     "%zu bytes of data", count);
    goto done;
  }
  if (fread(buf, 1, count, f) != count) {
    rc = xb__err_set(err, XB_EIO, path, 0, NULL, NAN, NAN, "read error");
    goto done;
  }
  memcpy(dims, d, (size_t)ndims * sizeof d[0]);
  *data = buf;
  buf = NULL;

done:
  free(buf);
  fclose(f);
  return rc;
}

int xb_idx_write(const char *path, int ndims, const size_t dims[],
                 const unsigned char *data, xb_err *err)
{
  if (!path || !dims || !data)
    return xb__err(err, XB_EINVAL, "xb_idx_write: NULL argument");
  if (ndims < 1 || ndims > XB_IDX_MAX_DIMS)
    return xb__err_set(err, XB_EINVAL, path, 0, "ndims", 1, XB_IDX_MAX_DIMS,
                       "ndims = %d outside [1, %d]", ndims, XB_IDX_MAX_DIMS);
  unsigned char hdr[4 + 4 * XB_IDX_MAX_DIMS];
  const size_t hlen = 4 + 4 * (size_t)ndims;
  size_t count = 1;
  put_be32(hdr, (uint32_t)IDX_UBYTE << 8 | (uint32_t)ndims);
  for (int i = 0; i < ndims; i++) {
    if (dims[i] == 0 || dims[i] > XB_IDX_MAX_SIZE ||
        !mul_ok(count, dims[i], &count) || count > XB_IDX_MAX_SIZE)
      return xb__err_set(err, XB_ESIZE, path, 0, NULL, 1, XB_IDX_MAX_SIZE,
                         "dimension %d: size %zu, or more than %u elements",
                         i, dims[i], XB_IDX_MAX_SIZE);
    put_be32(hdr + 4 + 4 * i, (uint32_t)dims[i]);
  }

  size_t plen = strlen(path);
  char *tmp = malloc(plen + 16);
  if (!tmp)
    return xb__err_set(err, XB_ENOMEM, path, 0, NULL, NAN, NAN,
                       "temporary name");
  memcpy(tmp, path, plen);
  memcpy(tmp + plen, ".tmp-XXXXXX", 12);
  int fd = mkstemp(tmp);
  if (fd < 0) {
    int e = errno;
    free(tmp);
    return xb__err_set(err, XB_EIO, path, 0, NULL, NAN, NAN,
                       "cannot create a temporary file: %s", strerror(e));
  }
  FILE *f = fdopen(fd, "wb");
  int ok = f != NULL;
  if (!f)
    close(fd);
  ok = ok && fchmod(fd, 0644) == 0;
  ok = ok && fwrite(hdr, 1, hlen, f) == hlen;
  ok = ok && fwrite(data, 1, count, f) == count;
  ok = ok && fflush(f) == 0 && fsync(fd) == 0;
  int e = errno;
  if (f && fclose(f) != 0 && ok) {
    ok = 0;
    e = errno;
  }
  if (ok && rename(tmp, path) != 0) {
    ok = 0;
    e = errno;
  }
  if (!ok)
    remove(tmp);
  free(tmp);
  if (!ok)
    return xb__err_set(err, XB_EIO, path, 0, NULL, NAN, NAN,
                       "cannot write: %s", strerror(e));
  return XB_OK;
}

/* ---- images -------------------------------------------------------------- */

xb_images *xb_images_load(const char *images_path, const char *labels_path,
                          xb_err *err)
{
  if (!images_path) {
    xb__err(err, XB_EINVAL, "xb_images_load: NULL images path");
    return NULL;
  }
  size_t d3[3], d1[1];
  unsigned char *pix = NULL, *lab = NULL;
  xb_images *im = NULL;
  if (xb_idx_read(images_path, 3, d3, &pix, err))
    goto fail;
  if (labels_path) {
    if (xb_idx_read(labels_path, 1, d1, &lab, err))
      goto fail;
    if (d1[0] != d3[0]) {
      xb__err_set(err, XB_ESIZE, labels_path, 0, NULL, NAN, NAN,
                  "%zu labels for the %zu images of %s", d1[0], d3[0],
                  images_path);
      goto fail;
    }
  }
  im = malloc(sizeof *im);
  if (!im) {
    xb__err(err, XB_ENOMEM, "image set");
    goto fail;
  }
  im->n = d3[0];
  im->rows = d3[1];
  im->cols = d3[2];
  im->pix = pix;
  im->labels = lab;
  return im;

fail:
  free(pix);
  free(lab);
  return NULL;
}

void xb_images_free(xb_images *im)
{
  if (!im)
    return;
  free(im->pix);
  free(im->labels);
  free(im);
}

int xb_mnist_cache_dir(char *buf, size_t cap, xb_err *err)
{
  if (!buf || cap == 0)
    return xb__err(err, XB_EINVAL, "xb_mnist_cache_dir: no buffer");
  buf[0] = '\0';
  const char *v = getenv("XBAR_CACHE");
  const char *base = NULL, *sub = "";
  if (v && v[0]) {
    base = v;
  } else if ((v = getenv("XDG_CACHE_HOME")) && v[0] == '/') {
    base = v;
    sub = "/xbar";
  } else if ((v = getenv("HOME")) && v[0]) {
    base = v;
    sub = "/.cache/xbar";
  }
  if (!base)
    return xb__err(err, XB_EMISSING,
                   "no cache directory: set XBAR_CACHE, XDG_CACHE_HOME or "
                   "HOME");
  int w = snprintf(buf, cap, "%s%s", base, sub);
  if (w < 0 || (size_t)w >= cap) {
    buf[0] = '\0';
    return xb__err_set(err, XB_ESIZE, NULL, 0, NULL, NAN, NAN,
                       "cache directory name of %d bytes does not fit in "
                       "%zu",
                       w, cap);
  }
  return XB_OK;
}

xb_images *xb_mnist_load(const char *dir, xb_err *err)
{
  char def[4096], ipath[4352], lpath[4352];
  if (!dir) {
    if (xb_mnist_cache_dir(def, sizeof def, err))
      return NULL;
    dir = def;
  }
  int wi = snprintf(ipath, sizeof ipath, "%s/%s", dir, XB_MNIST_IMAGES);
  int wl = snprintf(lpath, sizeof lpath, "%s/%s", dir, XB_MNIST_LABELS);
  if (wi < 0 || wl < 0 || (size_t)wi >= sizeof ipath ||
      (size_t)wl >= sizeof lpath) {
    xb__err(err, XB_ESIZE, "MNIST cache directory name too long");
    return NULL;
  }
  xb_err e;
  xb_images *im = xb_images_load(ipath, lpath, &e);
  if (!im) {
    if (e.code == XB_EIO)
      xb__err_set(err, XB_EIO, e.file, 0, NULL, NAN, NAN,
                  "MNIST digits not in the cache; run "
                  "scripts/fetch-mnist.sh (%s)",
                  e.msg);
    else if (err)
      *err = e;
    return NULL;
  }
  if (im->rows != 28 || im->cols != 28) {
    xb__err_set(err, XB_ESIZE, ipath, 0, NULL, NAN, NAN,
                "images are %zu x %zu, MNIST digits are 28 x 28", im->rows,
                im->cols);
    goto fail;
  }
  for (size_t i = 0; i < im->n; i++)
    if (im->labels[i] > 9) {
      xb__err_set(err, XB_EDATA, lpath, 0, NULL, 0, 9,
                  "label %zu is %d, not a digit 0..9", i, im->labels[i]);
      goto fail;
    }
  return im;

fail:
  xb_images_free(im);
  return NULL;
}

/* ---- patches ------------------------------------------------------------- */

#define XB_PARAM_T xb_patch_params
XB_PARAM_SET_DEFINE(xb_patch_param_set, "patches", XB_PATCH_PARAMS, NULL)
#undef XB_PARAM_T

/* Sum of the bytes of the size x size patch at (r, c) of image `img`. */
static unsigned long patch_sum(const xb_images *im, size_t img, size_t r,
                               size_t c, size_t size)
{
  const unsigned char *p = im->pix + (img * im->rows + r) * im->cols + c;
  unsigned long s = 0;
  for (size_t y = 0; y < size; y++, p += im->cols)
    for (size_t x = 0; x < size; x++)
      s += p[x];
  return s;
}

/* Copy the patch at (r, c) of `img`, scaled to [0, 1], into patch k. */
static void patch_put(xb_patches *ps, size_t k, const xb_images *im,
                      size_t img, size_t r, size_t c)
{
  const size_t size = ps->side;
  const unsigned char *p = im->pix + (img * im->rows + r) * im->cols + c;
  double *x = ps->x + k * ps->dim;
  for (size_t y = 0; y < size; y++, p += im->cols)
    for (size_t i = 0; i < size; i++)
      *x++ = p[i] / 255.0;
  ps->origin[k].image = img;
  ps->origin[k].row = (int)r;
  ps->origin[k].col = (int)c;
  ps->origin[k].label = im->labels ? im->labels[img] : -1;
}

/* An empty set of n patches of side `side`; NULL on overflow or no memory. */
static xb_patches *patches_alloc(size_t n, size_t side, int origins)
{
  size_t dim = side * side, nx;
  if (!mul_ok(n, dim, &nx) || nx > SIZE_MAX / sizeof(double))
    return NULL;
  xb_patches *ps = calloc(1, sizeof *ps);
  if (!ps)
    return NULL;
  ps->n = n;
  ps->dim = dim;
  ps->side = side;
  ps->x = malloc(nx * sizeof(double) + 1);
  if (origins)
    ps->origin = calloc(n + 1, sizeof *ps->origin); /* padding zeroed */
  if (!ps->x || (origins && !ps->origin)) {
    xb_patches_free(ps);
    return NULL;
  }
  return ps;
}

xb_patches *xb_patches_create(const xb_images *im, size_t first, size_t last,
                              const xb_patch_params *p, uint64_t seed,
                              xb_err *err)
{
  if (!im || !p) {
    xb__err(err, XB_EINVAL, "xb_patches_create: NULL images or parameters");
    return NULL;
  }
  if (!im->pix || im->n == 0 || im->rows == 0 || im->cols == 0) {
    xb__err(err, XB_EINVAL,
            "xb_patches_create: empty image set (%zu images of %zu x %zu)",
            im->n, im->rows, im->cols);
    return NULL;
  }
  if (xb_param_check(&xb_patch_param_set, p, err))
    return NULL;
  if (last > im->n || last == 0) {
    xb__err_set(err, XB_ERANGE, NULL, 0, "last", 1, (double)im->n,
                "last = %zu outside [1, %zu]", last, im->n);
    return NULL;
  }
  if (first >= last) {
    xb__err_set(err, XB_ERANGE, NULL, 0, "first", 0, (double)(last - 1),
                "first = %zu is not below last = %zu", first, last);
    return NULL;
  }
  const size_t size = (size_t)p->size;
  if (size > im->rows || size > im->cols) {
    xb__err_set(err, XB_ESIZE, NULL, 0, "size", 1,
                (double)(im->rows < im->cols ? im->rows : im->cols),
                "patch size %zu exceeds the %zu x %zu images", size,
                im->rows, im->cols);
    return NULL;
  }
  /* Integer threshold on the byte sum: sum/255 >= min_sum. */
  const double min_bytes = p->min_sum * 255.0;
  const size_t ny = im->rows - size + 1, nx = im->cols - size + 1;
  xb_patches *ps = NULL;

  if (p->count == 0) {
    const size_t stride = (size_t)p->stride;
    size_t keep = 0;
    for (size_t i = first; i < last; i++)
      for (size_t r = 0; r < ny; r += stride)
        for (size_t c = 0; c < nx; c += stride)
          keep += (double)patch_sum(im, i, r, c, size) >= min_bytes;
    if (keep == 0) {
      xb__err_set(err, XB_EDATA, NULL, 0, "min_sum", NAN, NAN,
                  "no patch of images [%zu, %zu) has a pixel sum >= %g",
                  first, last, p->min_sum);
      return NULL;
    }
    ps = patches_alloc(keep, size, 1);
    if (!ps)
      goto nomem;
    size_t k = 0;
    for (size_t i = first; i < last; i++)
      for (size_t r = 0; r < ny; r += stride)
        for (size_t c = 0; c < nx; c += stride)
          if ((double)patch_sum(im, i, r, c, size) >= min_bytes)
            patch_put(ps, k++, im, i, r, c);
    return ps;
  }

  const size_t count = (size_t)p->count, span = last - first;
  ps = patches_alloc(count, size, 1);
  if (!ps)
    goto nomem;
  for (size_t k = 0; k < count; k++) {
    const uint64_t stream = TAG_PATCH | (uint64_t)k;
    int found = 0;
    for (uint64_t t = 0; t < MAX_DRAWS && !found; t++) {
      size_t i = first + uindex(xb_rng_uniform(seed, stream, 3 * t), span);
      size_t r = uindex(xb_rng_uniform(seed, stream, 3 * t + 1), ny);
      size_t c = uindex(xb_rng_uniform(seed, stream, 3 * t + 2), nx);
      if ((double)patch_sum(im, i, r, c, size) >= min_bytes) {
        patch_put(ps, k, im, i, r, c);
        found = 1;
      }
    }
    if (!found) {
      xb__err_set(err, XB_EDATA, NULL, 0, "min_sum", NAN, NAN,
                  "patch %zu: no position in images [%zu, %zu) with a pixel "
                  "sum >= %g in %d random draws",
                  k, first, last, p->min_sum, MAX_DRAWS);
      xb_patches_free(ps);
      return NULL;
    }
  }
  return ps;

nomem:
  xb__err(err, XB_ENOMEM, "patch set of %zu x %zu patches", size, size);
  return NULL;
}

void xb_patches_free(xb_patches *ps)
{
  if (!ps)
    return;
  free(ps->x);
  free(ps->origin);
  free(ps);
}

/* ---- synthetic task ------------------------------------------------------ */

static int synth_check(const void *pp, xb_err *err)
{
  const xb_synth_params *p = pp;
  if (p->k > p->atoms)
    return xb__err_set(err, XB_ERANGE, NULL, 0, "k", 1, p->atoms,
                       "[synth] k = %d exceeds atoms = %d", p->k, p->atoms);
  if (p->amp_min > p->amp_max)
    return xb__err_set(err, XB_ERANGE, NULL, 0, "amp_min", 1e-9, p->amp_max,
                       "[synth] amp_min = %g exceeds amp_max = %g",
                       p->amp_min, p->amp_max);
  return XB_OK;
}

#define XB_PARAM_T xb_synth_params
XB_PARAM_SET_DEFINE(xb_synth_param_set, "synth", XB_SYNTH_PARAMS, synth_check)
#undef XB_PARAM_T

/* Stroke atom: a segment of length len through a random centre at a random
 * angle, each pixel exp(-d^2 / 2 w^2) of its centre's distance d to the
 * segment; values below 1% of the peak are set to 0 (localized support). */
static void atom_stroke(double *a, int side, double len, double w, xb_rng *g)
{
  const double cx = xb_rng_next_uniform(g) * side;
  const double cy = xb_rng_next_uniform(g) * side;
  const double th = xb_rng_next_uniform(g) * PI;
  const double ux = cos(th), uy = sin(th), h = 0.5 * len;
  double peak = 0.0;
  for (int r = 0; r < side; r++)
    for (int c = 0; c < side; c++) {
      double px = c + 0.5 - cx, py = r + 0.5 - cy;
      double t = px * ux + py * uy; /* projection on the segment's axis */
      t = t < -h ? -h : t > h ? h : t;
      double dx = px - t * ux, dy = py - t * uy;
      double v = exp(-(dx * dx + dy * dy) / (2.0 * w * w));
      a[r * side + c] = v;
      if (v > peak)
        peak = v;
    }
  for (int q = 0; q < side * side; q++)
    if (a[q] < 0.01 * peak)
      a[q] = 0.0;
}

/* Random sparse atom: entry q non-zero with probability `density`, value
 * uniform in (0, 1); one random entry set to 1 if none was drawn. */
static void atom_sparse(double *a, int dim, double density, xb_rng *g)
{
  int any = 0;
  for (int q = 0; q < dim; q++) {
    double u = xb_rng_next_uniform(g), v = xb_rng_next_uniform(g);
    a[q] = u < density ? v : 0.0;
    any |= a[q] > 0.0;
  }
  if (!any)
    a[uindex(xb_rng_next_uniform(g), (size_t)dim)] = 1.0;
}

xb_synth *xb_synth_create(const xb_synth_params *p, uint64_t seed,
                          xb_err *err)
{
  if (!p) {
    xb__err(err, XB_EINVAL, "xb_synth_create: NULL parameters");
    return NULL;
  }
  if (xb_param_check(&xb_synth_param_set, p, err))
    return NULL;
  const size_t side = (size_t)p->side, dim = side * side;
  const size_t atoms = (size_t)p->atoms, n = (size_t)p->n;
  const size_t k = (size_t)p->k;
  size_t nd, nz;
  xb_synth *s = calloc(1, sizeof *s);
  double *col = malloc(dim * sizeof *col);
  size_t *sel = malloc(k * sizeof *sel);
  if (!s || !col || !sel || !mul_ok(dim, atoms, &nd) ||
      !mul_ok(n, atoms, &nz) || nz > SIZE_MAX / sizeof(double))
    goto nomem;
  s->atoms = atoms;
  s->d = malloc(nd * sizeof *s->d);
  s->z = calloc(nz, sizeof *s->z);
  s->patches = patches_alloc(n, side, 0);
  if (!s->d || !s->z || !s->patches)
    goto nomem;

  /* D_true, one column per atom from its own stream, unit L2 norm. */
  for (size_t j = 0; j < atoms; j++) {
    xb_rng g;
    xb_rng_init(&g, seed, TAG_ATOM | (uint64_t)j);
    if (p->kind == 0)
      atom_stroke(col, p->side, p->stroke_len, p->stroke_width, &g);
    else
      atom_sparse(col, (int)dim, p->density, &g);
    double ss = 0.0;
    for (size_t q = 0; q < dim; q++)
      ss += col[q] * col[q];
    const double inv = 1.0 / sqrt(ss);
    for (size_t q = 0; q < dim; q++)
      s->d[q * atoms + j] = col[q] * inv;
  }

  /* Codes (Floyd's sample of k distinct atoms) and patches. */
  const double amp_span = p->amp_max - p->amp_min;
  for (size_t i = 0; i < n; i++) {
    xb_rng g;
    xb_rng_init(&g, seed, TAG_CODE | (uint64_t)i);
    size_t m = 0;
    for (size_t jj = atoms - k; jj < atoms; jj++) {
      size_t t = uindex(xb_rng_next_uniform(&g), jj + 1), q = 0;
      while (q < m && sel[q] != t)
        q++;
      sel[m] = q < m ? jj : t; /* t taken already: take jj, never taken */
      m++;
    }
    double *z = s->z + i * atoms, *x = s->patches->x + i * dim;
    for (size_t q = 0; q < k; q++)
      z[sel[q]] = p->amp_min + amp_span * xb_rng_next_uniform(&g);
    const uint64_t noise = TAG_NOISE | (uint64_t)i;
    for (size_t r = 0; r < dim; r++) {
      const double *drow = s->d + r * atoms;
      double v = 0.0;
      for (size_t q = 0; q < k; q++)
        v += drow[sel[q]] * z[sel[q]];
      if (p->sigma > 0.0)
        v += p->sigma * xb_rng_normal(seed, noise, r);
      x[r] = v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v;
    }
  }
  free(col);
  free(sel);
  return s;

nomem:
  xb__err(err, XB_ENOMEM, "synthetic task: %zu patches of %zu, %zu atoms", n,
          dim, atoms);
  free(col);
  free(sel);
  xb_synth_free(s);
  return NULL;
}

void xb_synth_free(xb_synth *s)
{
  if (!s)
    return;
  xb_patches_free(s->patches);
  free(s->d);
  free(s->z);
  free(s);
}
