/*
 * Lookup-table device model: measured pulse responses, one curve for
 * potentiation (G rising with pulse number) and one for depression (G
 * falling with the number of depressing pulses), interpolated either
 * linearly or with the monotone piecewise-cubic Hermite scheme of Fritsch
 * and Carlson (SIAM J. Numer. Anal. 17, 1980), which never overshoots
 * between measured points, so the curve stays invertible.
 *
 * State: (p, branch), p the pulse coordinate on the table of the last
 * direction. A pulse in the other direction maps p through the conductance
 * onto the other table, as in the exponential model. p saturates at the
 * table ends.
 *
 * Tables come from the caller (xb_lut_data) or from a CSV file
 * (xb_lut_data_read); the device keeps its own copy of them in one block
 * (copy_data, load_data of the descriptor). The d2d shape factor does not
 * apply.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device_impl.h"

#define XB_PARAM_T xb_lut_params
XB_PARAM_SET_DEFINE(xb_lut_param_set, "model", XB_LUT_PARAMS, NULL)
#undef XB_PARAM_T

typedef struct curve {
  size_t n;
  double *p, *g, *m; /* knots, values, Hermite slopes dG/dp */
} curve;

typedef struct lut_model {
  curve ltp, ltd;
  int linear;
  double gmin, gmax;
} lut_model;

enum { BR_LTP = 0, BR_LTD = 1 };

/* Fritsch-Carlson slopes for strictly monotone data. */
static void fc_slopes(curve *c)
{
  size_t n = c->n;
  for (size_t k = 0; k < n; k++) {
    double dl = k > 0 ? (c->g[k] - c->g[k - 1]) / (c->p[k] - c->p[k - 1]) : 0;
    double dr =
        k + 1 < n ? (c->g[k + 1] - c->g[k]) / (c->p[k + 1] - c->p[k]) : 0;
    if (k == 0)
      c->m[k] = dr;
    else if (k + 1 == n)
      c->m[k] = dl;
    else
      c->m[k] = (dl * dr > 0) ? 0.5 * (dl + dr) : 0.0;
  }
  for (size_t k = 0; k + 1 < n; k++) {
    double d = (c->g[k + 1] - c->g[k]) / (c->p[k + 1] - c->p[k]);
    double al = c->m[k] / d, be = c->m[k + 1] / d;
    double s = al * al + be * be;
    if (s > 9.0) {
      double t = 3.0 / sqrt(s);
      c->m[k] = t * al * d;
      c->m[k + 1] = t * be * d;
    }
  }
}

/* Segment k with p[k] <= x <= p[k+1] (x inside the table). */
static size_t seg_of_p(const curve *c, double x)
{
  size_t lo = 0, hi = c->n - 1;
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (c->p[mid] <= x)
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}

static double seg_eval(const curve *c, int linear, size_t k, double t)
{
  double h = c->p[k + 1] - c->p[k];
  if (linear)
    return c->g[k] + t * (c->g[k + 1] - c->g[k]);
  double t2 = t * t, t3 = t2 * t;
  return (2 * t3 - 3 * t2 + 1) * c->g[k] + (t3 - 2 * t2 + t) * h * c->m[k] +
         (-2 * t3 + 3 * t2) * c->g[k + 1] + (t3 - t2) * h * c->m[k + 1];
}

static double curve_g(const curve *c, int linear, double x)
{
  x = xb__clamp(x, c->p[0], c->p[c->n - 1]);
  size_t k = seg_of_p(c, x);
  return seg_eval(c, linear, k, (x - c->p[k]) / (c->p[k + 1] - c->p[k]));
}

/* Pulse coordinate at which the curve has conductance g (clamped). */
static double curve_p(const curve *c, int linear, double g)
{
  double s = c->g[c->n - 1] > c->g[0] ? 1.0 : -1.0; /* orientation */
  double lo_g = s > 0 ? c->g[0] : c->g[c->n - 1];
  double hi_g = s > 0 ? c->g[c->n - 1] : c->g[0];
  g = xb__clamp(g, lo_g, hi_g);
  size_t lo = 0, hi = c->n - 1;
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (s * (c->g[mid] - g) <= 0)
      lo = mid;
    else
      hi = mid;
  }
  size_t k = lo;
  double t;
  if (linear) {
    t = (g - c->g[k]) / (c->g[k + 1] - c->g[k]);
  } else { /* monotone on the segment: bisection to full precision */
    double a = 0, b = 1;
    for (int it = 0; it < 60; it++) {
      double mid = 0.5 * (a + b);
      if (s * (seg_eval(c, 0, k, mid) - g) < 0)
        a = mid;
      else
        b = mid;
    }
    t = 0.5 * (a + b);
  }
  t = xb__clamp(t, 0, 1);
  return c->p[k] + t * (c->p[k + 1] - c->p[k]);
}

static int check_table(const char *what, const double *p, const double *g,
                       size_t n, double dir, xb_err *err)
{
  if (n < 2 || !p || !g)
    return xb__err(err, XB_EDATA, "%s table needs at least 2 points", what);
  for (size_t k = 0; k < n; k++) {
    if (!isfinite(p[k]) || !isfinite(g[k]) || g[k] <= 0)
      return xb__err(err, XB_EDATA,
                     "%s point %zu: pulse %g, G %g (need finite, G > 0)",
                     what, k, p[k], g[k]);
    if (k > 0 && !(p[k] > p[k - 1]))
      return xb__err(err, XB_EDATA, "%s pulses not increasing at point %zu",
                     what, k);
    if (k > 0 && !(dir * (g[k] - g[k - 1]) > 0))
      return xb__err(err, XB_EDATA,
                     "%s conductance not strictly %s at point %zu", what,
                     dir > 0 ? "increasing" : "decreasing", k);
  }
  return XB_OK;
}

static void release(void *mp)
{
  lut_model *m = mp;
  if (!m)
    return;
  free(m->ltp.p);
  free(m->ltd.p);
  free(m);
}

static int fill_curve(curve *c, const double *p, const double *g, size_t n)
{
  c->n = n;
  c->p = malloc(3 * n * sizeof(double));
  if (!c->p)
    return XB_ENOMEM;
  c->g = c->p + n;
  c->m = c->p + 2 * n;
  memcpy(c->p, p, n * sizeof(double));
  memcpy(c->g, g, n * sizeof(double));
  fc_slopes(c);
  return XB_OK;
}

static int prepare(const void *pp, const void *data, void **out, xb_err *err)
{
  const xb_lut_params *par = pp;
  const xb_lut_data *d = data;
  if (!d)
    return xb__err(err, XB_EMISSING, "lut model needs its tables");
  int rc = check_table("LTP", d->p_ltp, d->g_ltp, d->n_ltp, +1, err);
  if (!rc)
    rc = check_table("LTD", d->p_ltd, d->g_ltd, d->n_ltd, -1, err);
  if (rc)
    return rc;
  lut_model *m = calloc(1, sizeof *m);
  if (!m)
    return xb__err(err, XB_ENOMEM, "lut model");
  m->linear = par->interp == 1;
  if (fill_curve(&m->ltp, d->p_ltp, d->g_ltp, d->n_ltp) ||
      fill_curve(&m->ltd, d->p_ltd, d->g_ltd, d->n_ltd)) {
    release(m);
    return xb__err(err, XB_ENOMEM, "lut tables");
  }
  m->gmin = fmin(d->g_ltp[0], d->g_ltd[d->n_ltd - 1]);
  m->gmax = fmax(d->g_ltp[d->n_ltp - 1], d->g_ltd[0]);
  *out = m;
  return XB_OK;
}

static void bounds(const void *mp, double *gmin, double *gmax)
{
  const lut_model *m = mp;
  *gmin = m->gmin;
  *gmax = m->gmax;
}

static double g_of(const void *mp, double shape, const double *s)
{
  (void)shape;
  const lut_model *m = mp;
  return s[1] == BR_LTD ? curve_g(&m->ltd, m->linear, s[0])
                        : curve_g(&m->ltp, m->linear, s[0]);
}

static void set_g(const void *mp, double shape, double g, double *s)
{
  (void)shape;
  const lut_model *m = mp;
  s[0] = s[1] == BR_LTD ? curve_p(&m->ltd, m->linear, g)
                        : curve_p(&m->ltp, m->linear, g);
}

static void pulse(const void *mp, double shape, double n, double *s)
{
  const lut_model *m = mp;
  if (n > 0) {
    if (s[1] == BR_LTD) {
      s[0] = curve_p(&m->ltp, m->linear, g_of(mp, shape, s));
      s[1] = BR_LTP;
    }
    s[0] = xb__clamp(s[0] + n, m->ltp.p[0], m->ltp.p[m->ltp.n - 1]);
  } else if (n < 0) {
    if (s[1] != BR_LTD) {
      s[0] = curve_p(&m->ltd, m->linear, g_of(mp, shape, s));
      s[1] = BR_LTD;
    }
    s[0] = xb__clamp(s[0] - n, m->ltd.p[0], m->ltd.p[m->ltd.n - 1]);
  }
}

/* ---- the device's copy of its tables ------------------------------------ */

/* The tables and their four arrays in one allocation, released with free(). */
typedef struct lut_copy {
  xb_lut_data d; /* first, so a copy is an xb_lut_data */
  double v[];
} lut_copy;

static int copy_data(const void *data, void **out, xb_err *err)
{
  const xb_lut_data *src = data;
  if (!src->p_ltp || !src->g_ltp || !src->p_ltd || !src->g_ltd)
    return xb__err(err, XB_EDATA, "lut tables have NULL arrays");
  size_t n = 2 * (src->n_ltp + src->n_ltd);
  lut_copy *c = malloc(sizeof *c + n * sizeof(double));
  if (!c)
    return xb__err(err, XB_ENOMEM, "lut tables");
  double *q = c->v;
  memcpy(q, src->p_ltp, src->n_ltp * sizeof(double));
  c->d.p_ltp = q;
  q += src->n_ltp;
  memcpy(q, src->g_ltp, src->n_ltp * sizeof(double));
  c->d.g_ltp = q;
  q += src->n_ltp;
  memcpy(q, src->p_ltd, src->n_ltd * sizeof(double));
  c->d.p_ltd = q;
  q += src->n_ltd;
  memcpy(q, src->g_ltd, src->n_ltd * sizeof(double));
  c->d.g_ltd = q;
  c->d.n_ltp = src->n_ltp;
  c->d.n_ltd = src->n_ltd;
  *out = c;
  return XB_OK;
}

static int load_data(const char *path, void **out, xb_err *err)
{
  xb_lut_data t;
  int rc = xb_lut_data_read(path, &t, err);
  if (rc)
    return rc;
  rc = copy_data(&t, out, err);
  xb_lut_data_free(&t);
  return rc;
}

static const xb_device_type lut_type = {
    .name = "lut",
    .desc = "measured pulse-response tables, monotone interpolation",
    .params = &xb_lut_param_set,
    .nstate = 2,
    .prepare = prepare,
    .bounds = bounds,
    .g = g_of,
    .set_g = set_g,
    .pulse = pulse,
    .release = release,
    .copy_data = copy_data,
    .load_data = load_data,
};
const xb_device_type *const xb_device_lut = &lut_type;

/* ---- CSV tables ----------------------------------------------------------- */

void xb_lut_data_free(xb_lut_data *d)
{
  if (!d)
    return;
  free((void *)d->p_ltp);
  free((void *)d->p_ltd);
  memset(d, 0, sizeof *d);
}

struct growbuf {
  double *v; /* pairs: pulse, conductance */
  size_t n, cap;
};

static int push(struct growbuf *b, double p, double g)
{
  if (b->n == b->cap) {
    size_t cap = b->cap ? 2 * b->cap : 64;
    double *v = realloc(b->v, 2 * cap * sizeof(double));
    if (!v)
      return XB_ENOMEM;
    b->v = v;
    b->cap = cap;
  }
  b->v[2 * b->n] = p;
  b->v[2 * b->n + 1] = g;
  b->n++;
  return XB_OK;
}

/* Split the pairs into two arrays (pulses, then conductances). */
static int unzip(const struct growbuf *b, const double **p, const double **g)
{
  double *a = malloc((2 * b->n + 1) * sizeof(double));
  if (!a)
    return XB_ENOMEM;
  for (size_t k = 0; k < b->n; k++) {
    a[k] = b->v[2 * k];
    a[b->n + k] = b->v[2 * k + 1];
  }
  *p = a;
  *g = a + b->n;
  return XB_OK;
}

static char *trim(char *s)
{
  while (*s == ' ' || *s == '\t')
    s++;
  size_t n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
               s[n - 1] == '\n'))
    s[--n] = '\0';
  return s;
}

static int parse_num(const char *s, double *v)
{
  char *end;
  errno = 0;
  *v = strtod(s, &end);
  if (end == s || *end != '\0' || errno == ERANGE)
    return XB_ESYNTAX;
  return isfinite(*v) ? XB_OK : XB_ENAN;
}

int xb_lut_data_read(const char *path, xb_lut_data *out, xb_err *err)
{
  if (!path || !out)
    return xb__err(err, XB_EINVAL, "NULL path or output");
  FILE *fp = fopen(path, "r");
  if (!fp)
    return xb__err_set(err, XB_EIO, path, 0, NULL, NAN, NAN, "cannot open");
  struct growbuf up = {0}, down = {0};
  char buf[512];
  int line = 0, header = 0, rc = XB_OK;
  while (fgets(buf, sizeof buf, fp)) {
    line++;
    if (!strchr(buf, '\n') && !feof(fp)) {
      rc = xb__err_set(err, XB_ESYNTAX, path, line, NULL, NAN, NAN,
                       "line longer than %zu characters", sizeof buf - 2);
      goto fail;
    }
    char *s = trim(buf);
    if (*s == '\0' || *s == '#')
      continue;
    if (!header) {
      if (strcmp(s, "branch,pulse,conductance") != 0) {
        rc = xb__err_set(err, XB_ESYNTAX, path, line, NULL, NAN, NAN,
                         "expected header 'branch,pulse,conductance'");
        goto fail;
      }
      header = 1;
      continue;
    }
    char *c1 = strchr(s, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
    if (!c1 || !c2 || strchr(c2 + 1, ',')) {
      rc = xb__err_set(err, XB_ESYNTAX, path, line, NULL, NAN, NAN,
                       "expected 3 fields: branch,pulse,conductance");
      goto fail;
    }
    *c1 = *c2 = '\0';
    char *f[3] = {s, c1 + 1, c2 + 1};
    double p, g;
    char *br = trim(f[0]);
    int r1 = parse_num(trim(f[1]), &p), r2 = parse_num(trim(f[2]), &g);
    if (r1 || r2) {
      rc = xb__err_set(err, r1 ? r1 : r2, path, line, NULL, NAN, NAN,
                       "pulse and conductance must be finite numbers");
      goto fail;
    }
    if (strcmp(br, "ltp") == 0)
      rc = push(&up, p, g);
    else if (strcmp(br, "ltd") == 0)
      rc = push(&down, p, g);
    else
      rc = xb__err_set(err, XB_ESYNTAX, path, line, NULL, NAN, NAN,
                       "branch '%s' is neither ltp nor ltd", br);
    if (rc == XB_ENOMEM)
      rc = xb__err(err, XB_ENOMEM, "reading %s", path);
    if (rc)
      goto fail;
  }
  if (ferror(fp)) {
    rc = xb__err_set(err, XB_EIO, path, line, NULL, NAN, NAN, "read error");
    goto fail;
  }
  if (!header || up.n < 2 || down.n < 2) {
    rc = xb__err_set(err, XB_EDATA, path, 0, NULL, NAN, NAN,
                     "need a header and at least 2 ltp and 2 ltd rows");
    goto fail;
  }
  xb_lut_data d = {0};
  d.n_ltp = up.n;
  d.n_ltd = down.n;
  if (unzip(&up, &d.p_ltp, &d.g_ltp) || unzip(&down, &d.p_ltd, &d.g_ltd)) {
    xb_lut_data_free(&d);
    rc = xb__err(err, XB_ENOMEM, "reading %s", path);
    goto fail;
  }
  /* Validate here too, so a bad file is reported with its name. */
  rc = check_table("LTP", d.p_ltp, d.g_ltp, d.n_ltp, +1, err);
  if (!rc)
    rc = check_table("LTD", d.p_ltd, d.g_ltd, d.n_ltd, -1, err);
  if (rc) {
    xb__err_prefix(err, path, "%s", path);
    xb_lut_data_free(&d);
    goto fail;
  }
  *out = d;
fail:
  fclose(fp);
  free(up.v);
  free(down.v);
  return rc;
}
