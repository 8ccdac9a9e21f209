/*
 * Monte Carlo models of the experiment programs (experiments/mc_models.h).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mc_models.h"

/* An error of this program's own, worded as the library's: the status
 * message, then the detail. */
static int seterr(xb_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int seterr(xb_err *err, int code, const char *fmt, ...)
{
  if (err) {
    memset(err, 0, sizeof *err);
    err->code = code;
    int n = snprintf(err->msg, sizeof err->msg, "%s: ", xb_strerror(code));
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof err->msg)
      vsnprintf(err->msg + n, sizeof err->msg - (size_t)n, fmt, ap);
    va_end(ap);
  }
  return code;
}

/* ---- models ------------------------------------------------------------------ */


static double sweep_i(int k) { return 0.25e-6 + (8e-6 - 0.25e-6) * k / (XBX_SWEEP - 1); }

/* xb_read_count, or for a latching circuit (XB_ERANGE) the one spike it
 * gives if its first threshold crossing and delay fit the window: returns
 * 0, 1 when latched, or a negative error code. */
static int count_or_latch(const xb_read *r, const xb_read_params *p,
                          double current, int *n, xb_err *err)
{
  xb_err e;
  int rc = xb_read_count(r, current, n, &e);
  if (rc == XB_ERANGE) {
    double t1 = (xb_read_threshold(r, current) - p->v_reset) * p->c_int /
                    fabs(current) + p->t_delay;
    *n = t1 <= p->window;
    return 1;
  }
  if (rc && err)
    *err = e;
  return rc;
}

static int model_read(void *ctx, size_t i, const double *x, double *y,
                      xb_err *err)
{
  (void)i;
  const xbx_model *m = ctx;
  xb_read_params p = m->base;
  for (int k = 0; k < 64; k++)
    if (m->row[k])
      *(double *)((char *)&p + m->row[k]->offset) = x[k];
  xb_err e;
  xb_read *r = xb_read_create(m->type, &p, &e);
  if (!r && e.code == XB_ERANGE) { /* e.g. v_tl above v_th: no circuit */
    y[0] = y[1] = y[2] = NAN;
    return XB_OK;
  }
  if (!r) {
    if (err)
      *err = e;
    return e.code;
  }
  /* A circuit whose reset gate cannot pull the node below v_tl latches
   * after its first spike: one rising edge if that lies in the window. */
  int n, rc = count_or_latch(r, &p, m->current, &n, err), errs = 0, lat = 0;
  lat = rc == 1;
  for (int k = 0; rc >= 0 && k < XBX_SWEEP; k++) {
    int c, l = count_or_latch(r, &p, sweep_i(k), &c, err);
    if (l < 0)
      rc = l;
    errs += l >= 0 && c != m->nominal[k];
  }
  if (rc > 0)
    rc = XB_OK;
  xb_read_free(r);
  y[0] = n;
  y[1] = errs;
  y[2] = lat;
  return rc;
}

static int model_array(void *ctx, size_t i, const double *x, double *y,
                       xb_err *err)
{
  const xbx_model *m = ctx;
  double d2d = m->i_d2d >= 0 ? x[m->i_d2d] : m->d2d;
  double rw = m->i_rw >= 0 ? x[m->i_rw] : m->rw;
  double g0 = m->i_g >= 0 ? x[m->i_g] : m->g;
  size_t n = (size_t)m->size;
  xb_array_params ap;
  xb_param_defaults(&xb_array_param_set, &ap);
  ap.rw_row = ap.rw_col = rw;
  int rc = xb_param_check(&xb_array_param_set, &ap, err);
  if (rc)
    return rc;
  xb_array *a = xb_array_create(n, n, &ap, err);
  double *g = malloc(n * n * sizeof *g), *v = malloc(n * sizeof *v);
  double *I = malloc(n * sizeof *I);
  if (!a || !g || !v || !I) {
    rc = a ? seterr(err, XB_ENOMEM, "array sample") : (err ? err->code : -1);
    goto done;
  }
  for (size_t k = 0; k < n * n; k++) /* this sample's own stream */
    g[k] = g0 * exp(d2d * xb_rng_normal(m->seed, 0xa77a00000000ull | i, k));
  for (size_t k = 0; k < n; k++)
    v[k] = m->v_read;
  if (!(rc = xb_array_set_g(a, g, err)))
    rc = xb_array_read(a, XB_ROW, v, NULL, XB_LINE_FLOAT, 0, 0, I, err);
  if (!rc) {
    double ideal = n * g0 * m->v_read, se = 0, mx = 0;
    for (size_t j = 0; j < n; j++) {
      double e = (I[j] - ideal) / ideal;
      se += e * e;
      mx = fmax(mx, fabs(e));
    }
    y[0] = sqrt(se / (double)n);
    y[1] = mx;
  }
done:
  xb_array_free(a);
  free(g);
  free(v);
  free(I);
  return rc;
}

static const char *const read_outs[] = {"spikes", "sweep_errors",
                                        "latched"};
static const char *const array_outs[] = {"err_rms", "err_max"};

size_t xbx_model_nout(const xbx_model *m) { return m->kind ? 2 : 3; }

int xbx_model_setup(xbx_model *m, const xb_mc_study *s, const char *study_path,
                       xb_err *err)
{
  memset(m, 0, sizeof *m);
  const char *kind = xb_mc_study_get(s, "model");
  if (kind && !strcmp(kind, "array")) {
    m->kind = 1;
    const char *v;
    m->size = (v = xb_mc_study_get(s, "size")) ? atoi(v) : 64;
    m->g = (v = xb_mc_study_get(s, "g")) ? atof(v) : 1e-5;
    m->d2d = (v = xb_mc_study_get(s, "d2d")) ? atof(v) : 0.0;
    m->rw = (v = xb_mc_study_get(s, "rw")) ? atof(v) : 0.634;
    m->v_read = (v = xb_mc_study_get(s, "v_read")) ? atof(v) : 0.2;
    m->seed = (v = xb_mc_study_get(s, "seed")) ? strtoull(v, NULL, 10) : 1;
    m->i_d2d = xb_mc_study_find(s, "d2d");
    m->i_rw = xb_mc_study_find(s, "rw");
    m->i_g = xb_mc_study_find(s, "g");
    if (m->size < 1 || m->size > 4096 || !(m->g > 0) || !(m->v_read > 0))
      return seterr(err, XB_ERANGE, "array model: size 1..4096, g > 0 and "
                                     "v_read > 0");
    for (size_t k = 0; k < xb_mc_study_nparams(s); k++) {
      const char *nm = xb_mc_study_param(s, k)->name;
      if (strcmp(nm, "d2d") && strcmp(nm, "rw") && strcmp(nm, "g"))
        return seterr(err, XB_EKEY, "array model: parameter %s is none of "
                                     "d2d, rw, g",
                       nm);
    }
    return XB_OK;
  }
  if (kind && strcmp(kind, "read"))
    return seterr(err, XB_ETYPE, "unknown model %s (read or array)", kind);
  const char *circ = xb_mc_study_get(s, "circuit");
  m->type = xb_read_type_find(circ ? circ : "diff");
  if (!m->type)
    return seterr(err, XB_ETYPE, "unknown read circuit %s", circ);
  m->type->defaults(&m->base);
  const char *preset = xb_mc_study_get(s, "preset");
  if (preset) {
    char path[1024];
    const char *slash = strrchr(study_path, '/');
    if (preset[0] == '/' || !slash)
      snprintf(path, sizeof path, "%s", preset);
    else
      snprintf(path, sizeof path, "%.*s/%s", (int)(slash - study_path),
               study_path, preset);
    xb_read *r = xb_read_load(path, err);
    if (!r)
      return err ? err->code : XB_EIO;
    m->base = *xb_read_params_of(r);
    m->type = xb_read_type_of(r);
    xb_read_free(r);
  }
  const char *cur = xb_mc_study_get(s, "current");
  m->current = cur ? atof(cur) : 1e-6;
  if (xb_mc_study_nparams(s) > 64)
    return seterr(err, XB_ERANGE, "read model: at most 64 parameters");
  for (size_t k = 0; k < xb_mc_study_nparams(s); k++) {
    const char *nm = xb_mc_study_param(s, k)->name;
    m->row[k] = xb_param_find(&xb_read_param_set, nm);
    if (!m->row[k] || m->row[k]->kind != XB_PARAM_DOUBLE)
      return seterr(err, XB_EKEY, "read model: %s is not a read parameter",
                     nm);
  }
  xb_read *r = xb_read_create(m->type, &m->base, err);
  if (!r)
    return err ? err->code : XB_EINVAL;
  int rc = XB_OK;
  for (int k = 0; !rc && k < XBX_SWEEP; k++)
    rc = xb_read_count(r, sweep_i(k), &m->nominal[k], err);
  xb_read_free(r);
  return rc;
}

xb_mc_model_fn xbx_model_fn(const xbx_model *m)
{
  return m->kind ? model_array : model_read;
}

const char *const *xbx_model_outputs(const xbx_model *m)
{
  return m->kind ? array_outs : read_outs;
}
