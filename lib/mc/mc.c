/*
 * Monte Carlo studies: distributions, plain and Latin hypercube sampling,
 * the ordered resumable CSV output, the OpenMP runner and summaries (see
 * xbar/mc.h).
 *
 * Workload: 1e2 to 1e7 samples of a model costing microseconds (a
 * behavioral read) to seconds (an array solve); up to a few dozen
 * parameters. LHS strata come from a keyed permutation function, so a
 * study of any N needs no memory per sample.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xbar/mc.h>
#include <xbar/param.h>
#include <xbar/rng.h>

#include "../core/core_impl.h"

/* Philox streams: (tag << 32) | parameter index. */
#define STREAM_U (0x4c4855ull << 32)
#define STREAM_PERM (0x4c4850ull << 32)

#define MAX_KEYS 32

struct xb_mc_study {
  xb_mc_param *p;
  size_t np, n;
  uint64_t seed;
  int lhs;
  int half;       /* LHS: Feistel half width in bits (domain 4^half >= n) */
  char keys[MAX_KEYS][2][256];
  size_t nkeys;
};

/* ---- distributions ------------------------------------------------------ */

/* Standard normal quantile: P. J. Acklam's rational approximation (relative
 * error 1.15e-9), refined by one Halley step on erfc, which brings it to
 * double precision. */
static double norm_quantile(double u)
{
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                             -2.759285104469687e+02, 1.383577518672690e+02,
                             -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                             -1.556989798598866e+02, 6.680131188771972e+01,
                             -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                             -2.400758277161838e+00, -2.549732539343734e+00,
                             4.374664141464968e+00, 2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                             2.445134137142996e+00, 3.754408661907416e+00};
  const double lo = 0.02425, hi = 1 - lo;
  double x;
  if (u < lo) {
    double q = sqrt(-2 * log(u));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q +
         c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (u <= hi) {
    double q = u - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r +
         a[5]) *
        q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    double q = sqrt(-2 * log1p(-u));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q +
          c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  double e = 0.5 * erfc(-x / sqrt(2.0)) - u;
  double g = e * 2.5066282746310002 * exp(0.5 * x * x); /* sqrt(2 pi) */
  return x - g / (1 + 0.5 * x * g);
}

static double norm_cdf(double z) { return 0.5 * erfc(-z / sqrt(2.0)); }

double xb_mc_quantile(const xb_mc_param *p, double u)
{
  switch (p->dist) {
  case XB_DIST_NORMAL:
    return p->mean + p->sigma * norm_quantile(u);
  case XB_DIST_LOGNORMAL:
    return p->mean * exp(p->sigma * norm_quantile(u));
  case XB_DIST_UNIFORM:
    return p->lo + u * (p->hi - p->lo);
  default: { /* truncated normal */
    double a = norm_cdf((p->lo - p->mean) / p->sigma);
    double b = norm_cdf((p->hi - p->mean) / p->sigma);
    double x = p->mean + p->sigma * norm_quantile(a + u * (b - a));
    return x < p->lo ? p->lo : (x > p->hi ? p->hi : x);
  }
  }
}

static int check_param(const xb_mc_param *p, xb_err *err)
{
  if (!p->name[0])
    return xb__err(err, XB_EINVAL, "Monte Carlo parameter without a name");
  int bounded = p->dist == XB_DIST_UNIFORM || p->dist == XB_DIST_TRUNCNORMAL;
  if (p->dist < XB_DIST_NORMAL || p->dist > XB_DIST_TRUNCNORMAL)
    return xb__err(err, XB_ETYPE, "parameter %s: unknown distribution",
                   p->name);
  if (!isfinite(p->mean) || !isfinite(p->sigma) ||
      (bounded && (!isfinite(p->lo) || !isfinite(p->hi))))
    return xb__err_set(err, XB_ENAN, NULL, 0, p->name, NAN, NAN,
                       "parameter %s: a value is not finite", p->name);
  if (p->dist != XB_DIST_UNIFORM && !(p->sigma >= 0))
    return xb__err_set(err, XB_ERANGE, NULL, 0, p->name, 0, INFINITY,
                       "parameter %s: sigma = %g < 0", p->name, p->sigma);
  if (p->dist == XB_DIST_LOGNORMAL && !(p->mean > 0))
    return xb__err_set(err, XB_ERANGE, NULL, 0, p->name, 0, INFINITY,
                       "parameter %s: lognormal median %g must be > 0",
                       p->name, p->mean);
  if (bounded && !(p->lo < p->hi))
    return xb__err_set(err, XB_ERANGE, NULL, 0, p->name, NAN, NAN,
                       "parameter %s: lo = %g must be below hi = %g",
                       p->name, p->lo, p->hi);
  if (p->dist == XB_DIST_TRUNCNORMAL) {
    if (!(p->sigma > 0))
      return xb__err_set(err, XB_ERANGE, NULL, 0, p->name, 0, INFINITY,
                         "parameter %s: truncated normal needs sigma > 0",
                         p->name);
    double mass = norm_cdf((p->hi - p->mean) / p->sigma) -
                  norm_cdf((p->lo - p->mean) / p->sigma);
    if (!(mass > 1e-12))
      return xb__err_set(err, XB_ERANGE, NULL, 0, p->name, NAN, NAN,
                         "parameter %s: [%g, %g] holds no probability of "
                         "N(%g, %g)",
                         p->name, p->lo, p->hi, p->mean, p->sigma);
  }
  return XB_OK;
}

/* ---- studies -------------------------------------------------------------- */

xb_mc_study *xb_mc_study_create(const xb_mc_param *params, size_t n,
                                size_t samples, uint64_t seed, int lhs,
                                xb_err *err)
{
  if ((n && !params) || !samples || samples > UINT32_MAX) {
    xb__err(err, XB_ERANGE, "Monte Carlo: %zu samples (1 .. 2^32 - 1)",
            samples);
    return NULL;
  }
  for (size_t k = 0; k < n; k++)
    if (check_param(&params[k], err))
      return NULL;
  xb_mc_study *s = calloc(1, sizeof *s);
  if (!s) {
    xb__err(err, XB_ENOMEM, "Monte Carlo study");
    return NULL;
  }
  s->np = n;
  s->n = samples;
  s->seed = seed;
  s->lhs = lhs != 0;
  s->p = malloc((n ? n : 1) * sizeof *s->p);
  if (s->p && n)
    memcpy(s->p, params, n * sizeof *s->p);
  while (((uint64_t)1 << (2 * s->half)) < samples)
    s->half++;
  if (!s->p) {
    xb_mc_study_free(s);
    xb__err(err, XB_ENOMEM, "Monte Carlo study of %zu samples", samples);
    return NULL;
  }
  return s;
}

void xb_mc_study_free(xb_mc_study *s)
{
  if (!s)
    return;
  free(s->p);
  free(s);
}

size_t xb_mc_study_samples(const xb_mc_study *s) { return s->n; }
size_t xb_mc_study_nparams(const xb_mc_study *s) { return s->np; }
const xb_mc_param *xb_mc_study_param(const xb_mc_study *s, size_t p)
{
  return p < s->np ? &s->p[p] : NULL;
}

int xb_mc_study_find(const xb_mc_study *s, const char *name)
{
  for (size_t k = 0; k < s->np; k++)
    if (!strcmp(s->p[k].name, name))
      return (int)k;
  return -1;
}

const char *xb_mc_study_get(const xb_mc_study *s, const char *key)
{
  for (size_t k = 0; k < s->nkeys; k++)
    if (!strcmp(s->keys[k][0], key))
      return s->keys[k][1];
  return NULL;
}

/* LHS stratum of sample i for parameter k: a pseudo-random permutation of
 * 0..n-1 that needs no table. A balanced Feistel network of 6 rounds (the
 * round function a Philox block keyed by the seed, the parameter and the
 * round) permutes 0 .. 4^half - 1; values at or above n walk the cycle on
 * until they land below n, which keeps it a bijection of 0..n-1 (4^half <
 * 4n, so under four steps on average). */
static uint64_t stratum(const xb_mc_study *s, size_t k, uint64_t i)
{
  const uint64_t mask = ((uint64_t)1 << s->half) - 1;
  uint64_t x = i;
  do {
    uint64_t l = x >> s->half, r = x & mask;
    for (uint64_t round = 0; round < 6; round++) {
      uint32_t w[4];
      xb_rng_words(s->seed, STREAM_PERM | k, (round << 40) | r, w);
      uint64_t t = l ^ ((((uint64_t)w[1] << 32) | w[0]) & mask);
      l = r;
      r = t;
    }
    x = (l << s->half) | r;
  } while (x >= s->n);
  return x;
}

void xb_mc_sample(const xb_mc_study *s, size_t i, double *x)
{
  for (size_t k = 0; k < s->np; k++) {
    double u = xb_rng_uniform(s->seed, STREAM_U | k, i);
    if (s->lhs)
      u = ((double)stratum(s, k, i) + u) / (double)s->n;
    x[k] = xb_mc_quantile(&s->p[k], u);
  }
}

/* ---- study files -------------------------------------------------------------- */

typedef struct load_ctx {
  xb_mc_param p[256];
  unsigned char set[256][5]; /* dist, mean, sigma, lo, hi given */
  size_t np;
  char keys[MAX_KEYS][2][256];
  size_t nkeys;
} load_ctx;

static int parse_num(const char *v, double *out)
{
  char *end;
  errno = 0;
  double d = strtod(v, &end);
  while (*end == ' ' || *end == '\t')
    end++;
  if (end == v || *end || errno == ERANGE)
    return -1;
  *out = d;
  return 0;
}

static int study_key(void *user, const char *section, const char *key,
                     const char *value, const char *file, int line,
                     xb_err *err)
{
  load_ctx *c = user;
  if (!strcmp(section, "study")) {
    if (c->nkeys == MAX_KEYS || strlen(key) >= 256 || strlen(value) >= 256)
      return xb__err_set(err, XB_ERANGE, file, line, key, NAN, NAN,
                         "[study] too many or too long keys");
    for (size_t k = 0; k < c->nkeys; k++)
      if (!strcmp(c->keys[k][0], key))
        return xb__err_set(err, XB_EKEY, file, line, key, NAN, NAN,
                           "[study] %s given twice", key);
    strcpy(c->keys[c->nkeys][0], key);
    strcpy(c->keys[c->nkeys][1], value);
    c->nkeys++;
    return XB_OK;
  }
  if (strncmp(section, "param ", 6))
    return xb__err_set(err, XB_EKEY, file, line, key, NAN, NAN,
                       "unknown section [%s] (expected [study] or "
                       "[param NAME])",
                       section);
  const char *name = section + 6;
  while (*name == ' ')
    name++;
  if (!*name || strlen(name) >= sizeof c->p[0].name)
    return xb__err_set(err, XB_ERANGE, file, line, NULL, NAN, NAN,
                       "[%s]: parameter name empty or too long", section);
  size_t k = 0;
  while (k < c->np && strcmp(c->p[k].name, name))
    k++;
  if (k == c->np) {
    if (c->np == 256)
      return xb__err_set(err, XB_ERANGE, file, line, NULL, NAN, NAN,
                         "more than 256 parameters");
    memset(&c->p[k], 0, sizeof c->p[k]);
    strcpy(c->p[k].name, name);
    c->p[k].dist = -1;
    c->np++;
  }
  xb_mc_param *p = &c->p[k];
  static const char *const names[] = {"normal", "lognormal", "uniform",
                                      "truncnormal"};
  if (!strcmp(key, "dist")) {
    for (int d = 0; d < 4; d++)
      if (!strcmp(value, names[d])) {
        p->dist = d;
        c->set[k][0] = 1;
        return XB_OK;
      }
    return xb__err_set(err, XB_ETYPE, file, line, key, NAN, NAN,
                       "[%s] dist = %s (normal, lognormal, uniform or "
                       "truncnormal)",
                       section, value);
  }
  static const char *const num[] = {"mean", "sigma", "lo", "hi"};
  for (int f = 0; f < 4; f++)
    if (!strcmp(key, num[f])) {
      double d;
      if (parse_num(value, &d))
        return xb__err_set(err, XB_ENAN, file, line, key, NAN, NAN,
                           "[%s] %s = '%s' is not a number", section, key,
                           value);
      double *dst[] = {&p->mean, &p->sigma, &p->lo, &p->hi};
      *dst[f] = d;
      c->set[k][1 + f] = 1;
      return XB_OK;
    }
  return xb__err_set(err, XB_EKEY, file, line, key, NAN, NAN,
                     "[%s] unknown key %s (dist, mean, sigma, lo, hi)",
                     section, key);
}

static const char *ctx_get(const load_ctx *c, const char *key)
{
  for (size_t k = 0; k < c->nkeys; k++)
    if (!strcmp(c->keys[k][0], key))
      return c->keys[k][1];
  return NULL;
}

xb_mc_study *xb_mc_study_load(const char *path, xb_err *err)
{
  load_ctx *c = calloc(1, sizeof *c);
  if (!c) {
    xb__err(err, XB_ENOMEM, "reading %s", path);
    return NULL;
  }
  xb_mc_study *s = NULL;
  if (xb_ini_read(path, NULL, 0, study_key, c, err))
    goto done;
  /* Every parameter needs its distribution's values. */
  for (size_t k = 0; k < c->np; k++) {
    const xb_mc_param *p = &c->p[k];
    const unsigned char *g = c->set[k];
    int need_ms = p->dist != XB_DIST_UNIFORM;
    int need_b = p->dist == XB_DIST_UNIFORM || p->dist == XB_DIST_TRUNCNORMAL;
    const char *miss = !g[0] ? "dist"
                       : need_ms && !g[1] ? "mean"
                       : need_ms && !g[2] ? "sigma"
                       : need_b && !g[3] ? "lo"
                       : need_b && !g[4] ? "hi"
                                         : NULL;
    if (miss) {
      xb__err_set(err, XB_EMISSING, path, 0, miss, NAN, NAN,
                  "%s: [param %s] needs %s", path, p->name, miss);
      goto done;
    }
  }
  double n = 0, seed = 0;
  const char *v = ctx_get(c, "samples");
  if (!v || parse_num(v, &n) || n < 1 || n > UINT32_MAX || n != floor(n)) {
    xb__err_set(err, v ? XB_ERANGE : XB_EMISSING, path, 0, "samples", 1,
                UINT32_MAX, "%s: [study] samples %s", path,
                v ? "must be an integer in 1 .. 2^32 - 1" : "missing");
    goto done;
  }
  v = ctx_get(c, "seed");
  if (v && (parse_num(v, &seed) || seed < 0 || seed != floor(seed) ||
            seed > 9007199254740992.0)) {
    xb__err_set(err, XB_ERANGE, path, 0, "seed", 0, 9007199254740992.0,
                "%s: [study] seed must be a non-negative integer", path);
    goto done;
  }
  v = ctx_get(c, "sampling");
  int lhs = 1;
  if (v && strcmp(v, "lhs") && strcmp(v, "plain")) {
    xb__err_set(err, XB_EKEY, path, 0, "sampling", NAN, NAN,
                "%s: [study] sampling = %s (lhs or plain)", path, v);
    goto done;
  }
  if (v)
    lhs = !strcmp(v, "lhs");
  s = xb_mc_study_create(c->p, c->np, (size_t)n, (uint64_t)seed, lhs, err);
  if (!s) {
    xb__err_prefix(err, path, "%s", path);
    goto done;
  }
  memcpy(s->keys, c->keys, sizeof s->keys);
  s->nkeys = c->nkeys;
  /* The output path is relative to the study file's folder. */
  for (size_t k = 0; k < s->nkeys; k++) {
    if (strcmp(s->keys[k][0], "output") || s->keys[k][1][0] == '/')
      continue;
    const char *slash = strrchr(path, '/');
    if (!slash)
      continue;
    char full[256];
    int len = snprintf(full, sizeof full, "%.*s/%s", (int)(slash - path),
                       path, s->keys[k][1]);
    if (len < 0 || (size_t)len >= sizeof full) {
      xb__err_set(err, XB_ERANGE, path, 0, "output", NAN, NAN,
                  "%s: output path too long", path);
      xb_mc_study_free(s);
      s = NULL;
      goto done;
    }
    strcpy(s->keys[k][1], full);
  }
done:
  free(c);
  return s;
}

/* ---- ordered output --------------------------------------------------------- */

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

/* ---- running ----------------------------------------------------------------------- */

int xb_mc_line(const xb_mc_study *s, size_t i, const double *x,
               const double *y, size_t n_out, char *buf, size_t cap)
{
  size_t at = 0;
  int w = snprintf(buf, cap, "%zu", i);
  if (w < 0 || (size_t)w >= cap)
    return -1;
  at = (size_t)w;
  for (size_t k = 0; k < s->np + n_out; k++) {
    double v = k < s->np ? x[k] : y[k - s->np];
    w = snprintf(buf + at, cap - at, ",%.17g", v);
    if (w < 0 || (size_t)w >= cap - at)
      return -1;
    at += (size_t)w;
  }
  return (int)at;
}

int xb_mc_header(const xb_mc_study *s, const char *const *out_names,
                 size_t n_out, char *buf, size_t cap)
{
  size_t at = 0;
  int w = snprintf(buf, cap, "sample");
  if (w < 0 || (size_t)w >= cap)
    return -1;
  at = (size_t)w;
  for (size_t k = 0; k < s->np + n_out; k++) {
    w = snprintf(buf + at, cap - at, ",%s",
                 k < s->np ? s->p[k].name : out_names[k - s->np]);
    if (w < 0 || (size_t)w >= cap - at)
      return -1;
    at += (size_t)w;
  }
  return (int)at;
}

int xb_mc_run(const xb_mc_study *s, xb_mc_model_fn model, void *ctx,
              size_t n_out, xb_mc_out *o, size_t first, int threads,
              xb_mc_progress_fn progress, void *user, xb_err *err)
{
  if (!s || !model || !o)
    return xb__err(err, XB_EINVAL, "NULL study, model or output");
  int rc = XB_OK, stop = 0;
  size_t cap = 32 + 26 * (s->np + n_out);
  long long n = (long long)s->n;
#pragma omp parallel num_threads(threads > 0 ? threads : omp_get_max_threads())
  {
    double *x = malloc((s->np + 1) * sizeof(double));
    double *y = malloc((n_out + 1) * sizeof(double));
    char *line = malloc(cap);
    xb_err e = {0};
    int mine = (!x || !y || !line) ? xb__err(&e, XB_ENOMEM, "sample buffers")
                                   : XB_OK;
#pragma omp for schedule(dynamic, 1)
    for (long long i = (long long)first; i < n; i++) {
      int halt;
#pragma omp atomic read
      halt = stop;
      if (halt || mine)
        continue;
      xb_mc_sample(s, (size_t)i, x);
      mine = model(ctx, (size_t)i, x, y, &e);
      if (!mine && xb_mc_line(s, (size_t)i, x, y, n_out, line, cap) < 0)
        mine = xb__err(&e, XB_ERANGE, "sample %lld: line too long", i);
      if (!mine)
        mine = xb_mc_out_put(o, (size_t)i, line, &e);
      if (!mine && progress) {
#pragma omp critical(xb_mc_progress)
        if (progress(user, xb_mc_out_written(o), s->n))
          stop = 1;
      }
      if (mine) {
#pragma omp critical(xb_mc_err)
        if (!rc) {
          rc = mine;
          if (err)
            *err = e;
        }
#pragma omp atomic write
        stop = 1;
      }
    }
    if (mine && !rc) {
#pragma omp critical(xb_mc_err)
      if (!rc) {
        rc = mine;
        if (err)
          *err = e;
      }
    }
    free(x);
    free(y);
    free(line);
  }
  return rc;
}

/* ---- summaries --------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double quantile_sorted(const double *v, size_t n, double q)
{
  double h = q * (double)(n - 1);
  size_t lo = (size_t)floor(h);
  if (lo + 1 >= n)
    return v[n - 1];
  return v[lo] + (h - (double)lo) * (v[lo + 1] - v[lo]);
}

void xb_mc_summarize(double *v, size_t n, xb_mc_summary *out)
{
  memset(out, 0, sizeof *out);
  size_t keep = 0; /* NaN (a failed sample) is counted, not summarised */
  for (size_t k = 0; k < n; k++)
    if (!isnan(v[k]))
      v[keep++] = v[k];
  out->n_nan = n - keep;
  n = keep;
  out->n = n;
  if (!n) {
    out->mean = out->sigma = out->min = out->max = NAN;
    out->q05 = out->q25 = out->q50 = out->q75 = out->q95 = NAN;
    return;
  }
  qsort(v, n, sizeof *v, cmp_double);
  double m = 0;
  for (size_t k = 0; k < n; k++)
    m += v[k];
  m /= (double)n;
  double ss = 0;
  for (size_t k = 0; k < n; k++)
    ss += (v[k] - m) * (v[k] - m);
  out->mean = m;
  out->sigma = n > 1 ? sqrt(ss / (double)(n - 1)) : 0.0;
  out->min = v[0];
  out->max = v[n - 1];
  out->q05 = quantile_sorted(v, n, 0.05);
  out->q25 = quantile_sorted(v, n, 0.25);
  out->q50 = quantile_sorted(v, n, 0.5);
  out->q75 = quantile_sorted(v, n, 0.75);
  out->q95 = quantile_sorted(v, n, 0.95);
}

int xb_mc_read_column(const char *path, const char *name, double **v,
                      size_t *n, xb_err *err)
{
  FILE *f = fopen(path, "r");
  if (!f)
    return xb__err_set(err, XB_EIO, path, 0, NULL, NAN, NAN, "cannot open");
  char *line = NULL;
  size_t lcap = 0, cap = 0, cnt = 0;
  double *out = NULL;
  int col = -1, rc = XB_OK, lineno = 0;
  ssize_t len;
  while ((len = getline(&line, &lcap, f)) > 0) {
    lineno++;
    if (line[len - 1] == '\n')
      line[--len] = 0;
    if (col < 0) {
      int k = 0;
      for (char *tok = strtok(line, ","); tok; tok = strtok(NULL, ","), k++)
        if (!strcmp(tok, name))
          col = k;
      if (col < 0) {
        rc = xb__err_set(err, XB_EKEY, path, 1, name, NAN, NAN,
                         "no column %s", name);
        break;
      }
      continue;
    }
    char *p = line;
    for (int k = 0; k < col && p; k++) {
      p = strchr(p, ',');
      if (p)
        p++;
    }
    char *end;
    double d = p ? strtod(p, &end) : NAN;
    if (!p || end == p || (*end && *end != ',')) {
      rc = xb__err_set(err, XB_ESYNTAX, path, lineno, name, NAN, NAN,
                       "column %s: not a number", name);
      break;
    }
    if (cnt == cap) {
      cap = cap ? 2 * cap : 1024;
      double *nv = realloc(out, cap * sizeof *nv);
      if (!nv) {
        rc = xb__err(err, XB_ENOMEM, "reading %s", path);
        break;
      }
      out = nv;
    }
    out[cnt++] = d;
  }
  if (!rc && col < 0)
    rc = xb__err_set(err, XB_EDATA, path, 0, NULL, NAN, NAN, "empty file");
  free(line);
  fclose(f);
  if (rc) {
    free(out);
    return rc;
  }
  *v = out;
  *n = cnt;
  return XB_OK;
}
