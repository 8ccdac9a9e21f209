/*
 * The .npy reader and writer (see xbar/npy.h): the header dict is parsed
 * by a small recursive-descent scanner over the three keys numpy writes
 * ('descr', 'fortran_order', 'shape'); the element count is checked for
 * overflow and against the file size before anything is allocated; the
 * data are converted element by element from little-endian bytes, so the
 * reader does not depend on the host's byte order.
 *
 * Workload: one pass over the file; the weights of the networks of
 * xbar/nn.h are at most a few hundred kB.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xbar/npy.h>

#include "../core/core_impl.h"

static const unsigned char MAGIC[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

/* The element types read: descr and size in bytes, indexed by dtype. */
typedef enum { T_F8, T_F4, T_I4, T_I8, T_U1, T_COUNT } dtype;
static const struct {
  const char *descr;
  size_t size;
} DTYPES[T_COUNT] = {
    {"<f8", 8}, {"<f4", 4}, {"<i4", 4}, {"<i8", 8}, {"|u1", 1}};

/* The parsed header. */
typedef struct header {
  int have_descr, have_fortran, have_shape;
  dtype type;
  int fortran;
  int ndims;
  size_t dims[XB_NPY_MAX_DIMS];
} header;

/* Scanner over the header text; `path` only labels errors. */
typedef struct scan {
  const char *start, *s, *end, *path;
  xb_err *err;
} scan;

static int syntax(scan *sc, const char *what)
{
  return xb__err_set(sc->err, XB_ESYNTAX, sc->path, 0, NULL, NAN, NAN,
                     "bad .npy header at character %ld: %s",
                     (long)(sc->s - sc->start), what);
}

static void skip_ws(scan *sc)
{
  while (sc->s < sc->end && (*sc->s == ' ' || *sc->s == '\t' ||
                             *sc->s == '\n' || *sc->s == '\r'))
    sc->s++;
}

/* Consume character c (after blanks); 1 if it was there. */
static int accept(scan *sc, char c)
{
  skip_ws(sc);
  if (sc->s < sc->end && *sc->s == c) {
    sc->s++;
    return 1;
  }
  return 0;
}

/* A quoted string (' or ", no escapes) into buf (cap bytes). */
static int string(scan *sc, char *buf, size_t cap)
{
  skip_ws(sc);
  if (sc->s >= sc->end || (*sc->s != '\'' && *sc->s != '"'))
    return syntax(sc, "expected a quoted string");
  const char q = *sc->s++;
  size_t n = 0;
  while (sc->s < sc->end && *sc->s != q) {
    if (*sc->s == '\\' || n + 1 >= cap)
      return syntax(sc, "string too long or with an escape");
    buf[n++] = *sc->s++;
  }
  if (sc->s >= sc->end)
    return syntax(sc, "unterminated string");
  sc->s++;
  buf[n] = '\0';
  return XB_OK;
}

/* 'shape': a tuple of non-negative integers, "(3,)" for one dimension. */
static int shape(scan *sc, header *h)
{
  if (!accept(sc, '('))
    return syntax(sc, "shape: expected '('");
  int n = 0, comma = 0;
  while (!accept(sc, ')')) {
    skip_ws(sc);
    if (sc->s >= sc->end || *sc->s < '0' || *sc->s > '9')
      return syntax(sc, "shape: expected a non-negative integer");
    unsigned long long v = 0;
    while (sc->s < sc->end && *sc->s >= '0' && *sc->s <= '9') {
      v = v * 10 + (unsigned long long)(*sc->s++ - '0');
      if (v > XB_NPY_MAX_SIZE)
        return xb__err_set(sc->err, XB_ESIZE, sc->path, 0, NULL, 1,
                           XB_NPY_MAX_SIZE,
                           "shape: a size above %u", XB_NPY_MAX_SIZE);
    }
    if (n == XB_NPY_MAX_DIMS)
      return xb__err_set(sc->err, XB_ESIZE, sc->path, 0, NULL, 0,
                         XB_NPY_MAX_DIMS, "shape: more than %d dimensions",
                         XB_NPY_MAX_DIMS);
    h->dims[n++] = (size_t)v;
    comma = accept(sc, ',');
    if (!comma) {
      if (!accept(sc, ')'))
        return syntax(sc, "shape: expected ',' or ')'");
      break;
    }
  }
  if (n == 1 && !comma)
    return syntax(sc, "shape: a one-element tuple needs its comma, (n,)");
  h->ndims = n;
  return XB_OK;
}

/* The whole dict; every key once, nothing but blanks after it. */
static int parse_header(scan *sc, header *h)
{
  int rc;
  char key[32], val[32];
  if (!accept(sc, '{'))
    return syntax(sc, "expected '{'");
  while (!accept(sc, '}')) {
    if ((rc = string(sc, key, sizeof key)) != XB_OK)
      return rc;
    if (!accept(sc, ':'))
      return syntax(sc, "expected ':' after a key");
    if (strcmp(key, "descr") == 0 && !h->have_descr) {
      if ((rc = string(sc, val, sizeof val)) != XB_OK)
        return rc;
      int t = 0;
      while (t < T_COUNT && strcmp(val, DTYPES[t].descr) != 0)
        t++;
      if (t == T_COUNT)
        return xb__err_set(sc->err, XB_ETYPE, sc->path, 0, "descr", NAN, NAN,
                           "dtype '%s' not supported (only '<f8', '<f4', "
                           "'<i4', '<i8', '|u1')",
                           val);
      h->type = (dtype)t;
      h->have_descr = 1;
    } else if (strcmp(key, "fortran_order") == 0 && !h->have_fortran) {
      skip_ws(sc);
      size_t left = (size_t)(sc->end - sc->s);
      if (left >= 4 && memcmp(sc->s, "True", 4) == 0) {
        h->fortran = 1;
        sc->s += 4;
      } else if (left >= 5 && memcmp(sc->s, "False", 5) == 0) {
        h->fortran = 0;
        sc->s += 5;
      } else {
        return syntax(sc, "fortran_order: expected True or False");
      }
      h->have_fortran = 1;
    } else if (strcmp(key, "shape") == 0 && !h->have_shape) {
      if ((rc = shape(sc, h)) != XB_OK)
        return rc;
      h->have_shape = 1;
    } else {
      return syntax(sc, "unknown or repeated key");
    }
    if (!accept(sc, ',')) {
      if (!accept(sc, '}'))
        return syntax(sc, "expected ',' or '}'");
      break;
    }
  }
  skip_ws(sc);
  if (sc->s != sc->end)
    return syntax(sc, "text after the dict");
  if (!h->have_descr || !h->have_fortran || !h->have_shape)
    return syntax(sc, "the dict lacks 'descr', 'fortran_order' or 'shape'");
  if (h->fortran)
    return xb__err_set(sc->err, XB_ETYPE, sc->path, 0, "fortran_order", NAN,
                       NAN, "fortran_order True (column-major data) is not "
                            "supported; save a C-order array");
  return XB_OK;
}

static uint64_t le(const unsigned char *b, size_t n)
{
  uint64_t v = 0;
  for (size_t k = n; k-- > 0;)
    v = v << 8 | b[k];
  return v;
}

/* Element k of a buffer of type t, as a double. */
static double element(const unsigned char *b, dtype t)
{
  switch (t) {
  case T_F8: {
    uint64_t u = le(b, 8);
    double d;
    memcpy(&d, &u, 8);
    return d;
  }
  case T_F4: {
    uint32_t u = (uint32_t)le(b, 4);
    float f;
    memcpy(&f, &u, 4);
    return f;
  }
  case T_I4:
    return (double)(int32_t)(uint32_t)le(b, 4);
  case T_I8:
    return (double)(int64_t)le(b, 8);
  default:
    return b[0];
  }
}

/* Exactly n bytes from fd. */
static int read_all(int fd, void *buf, size_t n, const char *path,
                    xb_err *err)
{
  unsigned char *p = buf;
  while (n > 0) {
    ssize_t got = read(fd, p, n);
    if (got <= 0)
      return xb__err_set(err, XB_EIO, path, 0, NULL, NAN, NAN,
                         "read error: %s", got < 0 ? strerror(errno) : "EOF");
    p += got;
    n -= (size_t)got;
  }
  return XB_OK;
}

/* The checks both directions share: a path, an array, a rank in range. */
static int check_args(const char *path, const void *a, const void *b,
                      int ndims, const char *fn, xb_err *err)
{
  if (!path || !a || !b)
    return xb__err(err, XB_EINVAL, "%s: NULL argument", fn);
  if (ndims < 1 || ndims > XB_NPY_MAX_DIMS)
    return xb__err_set(err, XB_EINVAL, path, 0, "ndims", 1, XB_NPY_MAX_DIMS,
                       "%s: ndims = %d outside [1, %d]", fn, ndims,
                       XB_NPY_MAX_DIMS);
  return XB_OK;
}

/* Preamble and header of the open file: the dict parsed into h, *off the
 * offset of the data. `text` receives the malloc'ed header text. */
static int read_head(int fd, unsigned long long fsize, const char *path,
                     header *h, unsigned long long *off, char **text,
                     xb_err *err)
{
  unsigned char pre[12];
  int rc;
  if (fsize < 10)
    return xb__err_set(err, XB_EDATA, path, 0, NULL, NAN, NAN,
                       "truncated: %llu bytes, less than the 10-byte "
                       "preamble",
                       fsize);
  if ((rc = read_all(fd, pre, 10, path, err)) != XB_OK)
    return rc;
  if (memcmp(pre, MAGIC, 6) != 0)
    return xb__err_set(err, XB_ESYNTAX, path, 0, NULL, NAN, NAN,
                       "bad magic: not a .npy file (no \\x93NUMPY)");
  if ((pre[6] != 1 && pre[6] != 2) || pre[7] != 0)
    return xb__err_set(err, XB_ESYNTAX, path, 0, NULL, NAN, NAN,
                       "format version %d.%d not supported (1.0, 2.0)",
                       pre[6], pre[7]);
  const size_t lenbytes = pre[6] == 1 ? 2 : 4;
  if (fsize < 8 + lenbytes)
    return xb__err_set(err, XB_EDATA, path, 0, NULL, NAN, NAN,
                       "truncated: %llu bytes, less than the 12-byte "
                       "version 2.0 preamble",
                       fsize);
  if (lenbytes == 4 && (rc = read_all(fd, pre + 10, 2, path, err)) != XB_OK)
    return rc;
  const uint64_t hlen = le(pre + 8, lenbytes);
  *off = 8 + lenbytes + hlen;
  if (hlen > XB_NPY_MAX_HEADER)
    return xb__err_set(err, XB_ESIZE, path, 0, NULL, 0, XB_NPY_MAX_HEADER,
                       "header length %llu above %u bytes",
                       (unsigned long long)hlen, XB_NPY_MAX_HEADER);
  if (fsize < *off)
    return xb__err_set(err, XB_EDATA, path, 0, NULL, NAN, NAN,
                       "truncated header: %llu bytes, the header ends at "
                       "%llu",
                       fsize, *off);
  if (!(*text = malloc(hlen + 1)))
    return xb__err_set(err, XB_ENOMEM, path, 0, NULL, NAN, NAN, "header");
  if ((rc = read_all(fd, *text, hlen, path, err)) != XB_OK)
    return rc;
  (*text)[hlen] = '\0';
  if (memchr(*text, '\0', hlen))
    return xb__err_set(err, XB_ESYNTAX, path, 0, NULL, NAN, NAN,
                       "bad .npy header: a NUL byte in the text");
  scan sc = {*text, *text, *text + hlen, path, err};
  return parse_header(&sc, h);
}

/* The shape of h against the caller's rank and sizes; the count. */
static int check_shape(const header *h, int ndims, const size_t dims[],
                       const char *path, size_t *count, xb_err *err)
{
  if (h->ndims != ndims)
    return xb__err_set(err, XB_ESIZE, path, 0, NULL, NAN, NAN,
                       "%d dimension%s, expected %d", h->ndims,
                       h->ndims == 1 ? "" : "s", ndims);
  *count = 1;
  for (int k = 0; k < ndims; k++) {
    if (h->dims[k] == 0 || (dims[k] && dims[k] != h->dims[k]))
      return xb__err_set(err, XB_ESIZE, path, 0, NULL, NAN, NAN,
                         "dimension %d has size %zu, expected %s%zu", k,
                         h->dims[k], dims[k] ? "" : "at least ",
                         dims[k] ? dims[k] : (size_t)1);
    *count *= h->dims[k]; /* each factor <= 2^31 - 1: no wrap before this */
    if (*count > XB_NPY_MAX_SIZE)
      return xb__err_set(err, XB_ESIZE, path, 0, NULL, 1, XB_NPY_MAX_SIZE,
                         "more than %u elements", XB_NPY_MAX_SIZE);
  }
  return XB_OK;
}

int xb_npy_read(const char *path, int ndims, size_t dims[], double **data,
                xb_err *err)
{
  int rc = check_args(path, dims, data, ndims, "xb_npy_read", err);
  if (rc != XB_OK)
    return rc;
  int fd = open(path, O_RDONLY);
  if (fd < 0)
    return xb__err_set(err, XB_EIO, path, 0, NULL, NAN, NAN,
                       "cannot open: %s", strerror(errno));
  char *text = NULL;
  unsigned char *raw = NULL;
  double *out = NULL;
  struct stat st;
  header h = {0};
  unsigned long long off = 0;
  size_t count = 0;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
    rc = xb__err_set(err, XB_EIO, path, 0, NULL, NAN, NAN,
                     "not a regular file");
  const unsigned long long fsize = rc ? 0 : (unsigned long long)st.st_size;
  if (rc == XB_OK)
    rc = read_head(fd, fsize, path, &h, &off, &text, err);
  if (rc == XB_OK)
    rc = check_shape(&h, ndims, dims, path, &count, err);
  if (rc != XB_OK)
    goto done;
  const size_t isz = DTYPES[h.type].size;
  const unsigned long long expect = off + (unsigned long long)count * isz;
  if (fsize != expect) {
    rc = xb__err_set(err, XB_EDATA, path, 0, NULL, NAN, NAN,
                     "%s: %llu bytes, the header says %llu (%llu + %zu "
                     "elements of %zu bytes)",
                     fsize < expect ? "truncated" : "bytes after the data",
                     fsize, expect, off, count, isz);
    goto done;
  }
  raw = malloc(count * isz);
  out = malloc(count * sizeof *out);
  if (!raw || !out) {
    rc = xb__err_set(err, XB_ENOMEM, path, 0, NULL, NAN, NAN,
                     "%zu elements", count);
    goto done;
  }
  if ((rc = read_all(fd, raw, count * isz, path, err)) != XB_OK)
    goto done;
  for (size_t i = 0; i < count; i++) {
    out[i] = element(raw + i * isz, h.type);
    if (!isfinite(out[i])) {
      rc = xb__err_set(err, XB_ENAN, path, 0, NULL, NAN, NAN,
                       "element %zu is not a finite number", i);
      goto done;
    }
  }
  memcpy(dims, h.dims, (size_t)ndims * sizeof *dims);
  *data = out;
  out = NULL;
done:
  close(fd);
  free(text);
  free(raw);
  free(out);
  return rc;
}

/* ---- writer -------------------------------------------------------------- */

/* The whole file in memory: preamble, padded header, '<f8' data. */
static unsigned char *encode(int ndims, const size_t dims[], size_t count,
                             const double *data, size_t *len)
{
  char dict[256];
  int n = snprintf(dict, sizeof dict,
                   "{'descr': '<f8', 'fortran_order': False, 'shape': (");
  for (int k = 0; k < ndims; k++)
    n += snprintf(dict + n, sizeof dict - (size_t)n, "%zu%s", dims[k],
                  ndims == 1 || k + 1 < ndims ? ", " : "");
  n += snprintf(dict + n, sizeof dict - (size_t)n, "), }");
  if (ndims == 1) { /* "(3, )" -> "(3,)", numpy's spelling */
    char *p = strstr(dict, ", )");
    memmove(p + 1, p + 2, strlen(p + 2) + 1);
    n--;
  }
  size_t hlen = (size_t)n + 1; /* with the '\n' */
  hlen += (64 - (10 + hlen) % 64) % 64;
  *len = 10 + hlen + count * 8;
  unsigned char *b = malloc(*len);
  if (!b)
    return NULL;
  memcpy(b, MAGIC, 6);
  b[6] = 1;
  b[7] = 0;
  b[8] = (unsigned char)(hlen & 0xff);
  b[9] = (unsigned char)(hlen >> 8);
  memset(b + 10, ' ', hlen);
  memcpy(b + 10, dict, (size_t)n);
  b[10 + hlen - 1] = '\n';
  unsigned char *d = b + 10 + hlen;
  for (size_t i = 0; i < count; i++) {
    uint64_t u;
    memcpy(&u, &data[i], 8);
    for (int k = 0; k < 8; k++)
      d[8 * i + (size_t)k] = (unsigned char)(u >> (8 * k));
  }
  return b;
}

/* Write n bytes to a new temporary beside path, then rename it over
 * path; on failure the temporary is removed. 0 or an errno value. */
static int replace_file(const char *path, const unsigned char *b, size_t n)
{
  char *tmp = malloc(strlen(path) + 16);
  if (!tmp)
    return ENOMEM;
  sprintf(tmp, "%s.tmp-XXXXXX", path);
  int fd = mkstemp(tmp);
  if (fd < 0) {
    int e = errno;
    free(tmp);
    return e;
  }
  int e = fchmod(fd, 0644) == 0 ? 0 : errno;
  for (size_t done = 0; !e && done < n;) {
    ssize_t put = write(fd, b + done, n - done);
    if (put < 0)
      e = errno;
    else
      done += (size_t)put;
  }
  if (!e && fsync(fd) != 0)
    e = errno;
  if (close(fd) != 0 && !e)
    e = errno;
  if (!e && rename(tmp, path) != 0)
    e = errno;
  if (e)
    unlink(tmp);
  free(tmp);
  return e;
}

int xb_npy_write(const char *path, int ndims, const size_t dims[],
                 const double *data, xb_err *err)
{
  int rc = check_args(path, dims, data, ndims, "xb_npy_write", err);
  if (rc != XB_OK)
    return rc;
  size_t count = 1;
  for (int k = 0; k < ndims; k++) {
    if (dims[k] == 0 || dims[k] > XB_NPY_MAX_SIZE ||
        (count *= dims[k]) > XB_NPY_MAX_SIZE)
      return xb__err_set(err, XB_ESIZE, path, 0, NULL, 1, XB_NPY_MAX_SIZE,
                         "dimension %d: size %zu, or more than %u elements",
                         k, dims[k], XB_NPY_MAX_SIZE);
  }
  size_t len;
  unsigned char *bytes = encode(ndims, dims, count, data, &len);
  if (!bytes)
    return xb__err_set(err, XB_ENOMEM, path, 0, NULL, NAN, NAN,
                       "%zu bytes", len);
  int e = replace_file(path, bytes, len);
  free(bytes);
  if (e)
    return xb__err_set(err, XB_EIO, path, 0, NULL, NAN, NAN,
                       "cannot write: %s", strerror(e));
  return XB_OK;
}
