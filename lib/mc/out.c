/*
 * Ordered, resumable CSV output of a Monte Carlo run: lines handed in by
 * any thread in any order are held in a ring indexed by sample number and
 * appended, one write(2) per contiguous run, only once every earlier line
 * is out, so the file is always a prefix of the final one. Opening for
 * resume checks the header and the sample numbers and cuts a torn last
 * line.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mc_impl.h"

struct xb_mc_out {
  int fd;
  size_t total, written;
  char **ring;    /* lines handed in ahead of `written`: sample i at
                     ring[i & (cap - 1)] for written <= i < written + cap */
  size_t cap;     /* a power of two; grows with the out-of-order span */
  char *buf;      /* the run being written */
  size_t buf_cap;
  int failed;
};

/* Make room for sample i: double the ring until it spans i. */
static int ring_reserve(xb_mc_out *o, size_t i)
{
  if (i - o->written < o->cap)
    return 0;
  size_t cap = o->cap;
  while (i - o->written >= cap)
    cap *= 2;
  char **r = calloc(cap, sizeof *r);
  if (!r)
    return -1;
  for (size_t k = o->written; k < o->written + o->cap; k++)
    r[k & (cap - 1)] = o->ring[k & (o->cap - 1)];
  free(o->ring);
  o->ring = r;
  o->cap = cap;
  return 0;
}

/* Read an existing file for resume: check the header, count the complete
 * lines (sample numbers 0, 1, ...), cut a torn tail. */
static int resume_scan(int fd, const char *path, const char *header,
                       size_t *done, xb_err *err)
{
  struct stat st;
  if (fstat(fd, &st))
    return xb__err_set(err, XB_EIO, path, 0, NULL, NAN, NAN, "cannot stat");
  size_t len = (size_t)st.st_size;
  char *buf = malloc(len + 1);
  if (!buf)
    return xb__err(err, XB_ENOMEM, "reading %s", path);
  size_t got = 0;
  while (got < len) {
    ssize_t r = pread(fd, buf + got, len - got, (off_t)got);
    if (r <= 0) {
      free(buf);
      return xb__err_set(err, XB_EIO, path, 0, NULL, NAN, NAN, "read error");
    }
    got += (size_t)r;
  }
  buf[len] = 0;
  size_t hl = strlen(header);
  if (len < hl + 1 || memcmp(buf, header, hl) || buf[hl] != '\n') {
    free(buf);
    return xb__err_set(err, XB_EDATA, path, 1, NULL, NAN, NAN,
                       "cannot resume: the header differs from this "
                       "study's");
  }
  size_t pos = hl + 1, keep = pos, n = 0;
  while (pos < len) {
    char *nl = memchr(buf + pos, '\n', len - pos);
    if (!nl)
      break; /* torn line */
    char *end;
    unsigned long long i = strtoull(buf + pos, &end, 10);
    if (end == buf + pos || *end != ',' || i != n) {
      free(buf);
      return xb__err_set(err, XB_EDATA, path, (int)(n + 2), NULL, NAN, NAN,
                         "cannot resume: line %zu is not sample %zu", n + 2,
                         n);
    }
    n++;
    pos = (size_t)(nl - buf) + 1;
    keep = pos;
  }
  free(buf);
  if (keep < len && ftruncate(fd, (off_t)keep))
    return xb__err_set(err, XB_EIO, path, 0, NULL, NAN, NAN,
                       "cannot cut the torn last line");
  *done = n;
  return XB_OK;
}

static int write_all(int fd, const char *p, size_t n)
{
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

xb_mc_out *xb_mc_out_open(const char *path, const char *header, size_t total,
                          int resume, size_t *done, xb_err *err)
{
  if (!path || !header) {
    xb__err(err, XB_EINVAL, "NULL path or header");
    return NULL;
  }
  size_t have = 0;
  int fd = -1;
  if (resume)
    fd = open(path, O_RDWR | O_APPEND);
  if (fd >= 0) {
    if (resume_scan(fd, path, header, &have, err)) {
      close(fd);
      return NULL;
    }
    if (have > total) {
      close(fd);
      xb__err_set(err, XB_EDATA, path, 0, NULL, NAN, NAN,
                  "cannot resume: %zu samples in the file, the study has "
                  "%zu",
                  have, total);
      return NULL;
    }
  } else {
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
    if (fd < 0) {
      xb__err_set(err, XB_EIO, path, 0, NULL, NAN, NAN, "cannot create: %s",
                  strerror(errno));
      return NULL;
    }
    size_t hl = strlen(header);
    char *h = malloc(hl + 1);
    int bad = !h;
    if (h) {
      memcpy(h, header, hl);
      h[hl] = '\n';
      bad = write_all(fd, h, hl + 1) != 0;
      free(h);
    }
    if (bad) {
      close(fd);
      unlink(path);
      xb__err_set(err, XB_EIO, path, 0, NULL, NAN, NAN,
                  "cannot write the header");
      return NULL;
    }
  }
  xb_mc_out *o = calloc(1, sizeof *o);
  if (o)
    o->ring = calloc(64, sizeof(char *));
  if (!o || !o->ring) {
    free(o);
    close(fd);
    xb__err(err, XB_ENOMEM, "output of %zu samples", total);
    return NULL;
  }
  o->fd = fd;
  o->total = total;
  o->cap = 64;
  o->written = have;
  if (done)
    *done = have;
  return o;
}

size_t xb_mc_out_written(const xb_mc_out *o) { return o->written; }

int xb_mc_out_put(xb_mc_out *o, size_t i, const char *line, xb_err *err)
{
  if (!o || !line)
    return xb__err(err, XB_EINVAL, "NULL output or line");
  int rc = XB_OK;
#pragma omp critical(xb_mc_out)
  {
    if (o->failed) {
      rc = xb__err(err, XB_EIO, "Monte Carlo output failed earlier");
    } else if (i < o->written || i >= o->total ||
               (i - o->written < o->cap && o->ring[i & (o->cap - 1)])) {
      rc = xb__err(err, XB_EINVAL, "sample %zu handed in twice or out of "
                                   "range",
                   i);
    } else {
      size_t n = strlen(line);
      char *c = malloc(n + 2);
      if (!c || ring_reserve(o, i)) {
        free(c);
        rc = xb__err(err, XB_ENOMEM, "sample line");
      } else {
        memcpy(c, line, n);
        c[n] = '\n';
        c[n + 1] = 0;
        const size_t m = o->cap - 1;
        o->ring[i & m] = c;
        /* The contiguous run from `written`, in one write. */
        size_t k = 0, bytes = 0;
        while (k < o->cap && o->written + k < o->total &&
               o->ring[(o->written + k) & m])
          bytes += strlen(o->ring[(o->written + k++) & m]);
        if (k && bytes > o->buf_cap) {
          char *nb = realloc(o->buf, 2 * bytes);
          if (nb) {
            o->buf = nb;
            o->buf_cap = 2 * bytes;
          } else {
            rc = xb__err(err, XB_ENOMEM, "sample lines");
          }
        }
        if (k && !rc) {
          size_t at = 0;
          for (size_t j = 0; j < k; j++) {
            const char *l = o->ring[(o->written + j) & m];
            size_t len = strlen(l);
            memcpy(o->buf + at, l, len);
            at += len;
          }
          if (write_all(o->fd, o->buf, bytes)) {
            o->failed = 1;
            rc = xb__err(err, XB_EIO, "cannot append results: %s",
                         strerror(errno));
          } else {
            for (size_t j = 0; j < k; j++) {
              free(o->ring[(o->written + j) & m]);
              o->ring[(o->written + j) & m] = NULL;
            }
            o->written += k;
          }
        }
      }
    }
  }
  return rc;
}

int xb_mc_out_close(xb_mc_out *o, xb_err *err)
{
  if (!o)
    return XB_OK;
  int rc = XB_OK;
  size_t gaps = 0;
  for (size_t k = 0; k < o->cap; k++)
    if (o->ring[k]) {
      gaps++;
      free(o->ring[k]);
    }
  if (gaps)
    rc = xb__err(err, XB_EIO, "%zu results could not be written in order "
                              "(an earlier sample is missing)",
                 gaps);
  if (fsync(o->fd) && !rc)
    rc = xb__err(err, XB_EIO, "fsync: %s", strerror(errno));
  if (close(o->fd) && !rc)
    rc = xb__err(err, XB_EIO, "close: %s", strerror(errno));
  free(o->ring);
  free(o->buf);
  free(o);
  return rc;
}
