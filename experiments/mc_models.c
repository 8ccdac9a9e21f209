/*
 * The Monte Carlo models of mc_run, mc_fig220 and bench_mc ([study] model
 * = ..., one sample each) and the steps the programs share (mc_models.h):
 *   read   one integrate-and-fire read circuit (xbar/read.h): the circuit
 *          `circuit` (se_adaptive | diff) with the preset `preset` (a
 *          models/ file relative to the study file; optional), every
 *          [param NAME] naming a read parameter (v_th, v_tl, offset,
 *          t_delay, ...) at the sample's value; outputs `spikes`, the count
 *          at the input current `current` (A), `sweep_errors`, how many of
 *          32 currents evenly spread over 0.25 .. 8 uA count differently
 *          from the nominal circuit, and `latched`, 1 if the reset gate
 *          cannot pull the node below v_tl at `current` (the circuit sticks
 *          after one spike); all nan for a sample whose parameters make no
 *          circuit (v_tl above v_th, ...), which the summary counts apart.
 *   array  one size x size array read (xbar/array.h): cells drawn around
 *          G = `g` (S, default 1e-5) with a lognormal device-to-device
 *          spread `d2d` (sigma of ln G; default 0), wires `rw` (Ohm per
 *          segment; default 0.634), every row at `v_read` (default 0.2 V);
 *          outputs `err_rms` and `err_max`, the relative errors of the
 *          column currents against the ideal G.V of the nominal cells.
 * d2d, rw and g may be study parameters or [study] values.
 */
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exp_util.h"
#include "mc_models.h"

/* An error of the programs' own, worded as the library's: the status
 * message, then the detail. */
static int seterr(xb_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int seterr(xb_err *err, int code, const char *fmt, ...)
{
  memset(err, 0, sizeof *err);
  err->code = code;
  int n = snprintf(err->msg, sizeof err->msg, "%s: ", xb_strerror(code));
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->msg + n, sizeof err->msg - (size_t)n, fmt, ap);
  va_end(ap);
  return code;
}

/* ---- models ------------------------------------------------------------- */

/* The k-th current of the sweep, 0.25 .. 8 uA (A). */
static double sweep_i(int k)
{
  return 0.25e-6 + (8e-6 - 0.25e-6) * k / (XBX_SWEEP - 1);
}

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
  if (rc)
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
  if (!r)
    return *err = e, e.code;
  /* A circuit whose reset gate cannot pull the node below v_tl latches
   * after its first spike: one rising edge if that lies in the window. */
  int n, rc = count_or_latch(r, &p, m->current, &n, err), errs = 0;
  int lat = rc == 1;
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
  double *g = malloc((n * n + 2 * n) * sizeof *g), *v = g + n * n, *I = v + n;
  if (!a || !g) {
    rc = a ? seterr(err, XB_ENOMEM, "array sample") : err->code;
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
  return rc;
}

static const char *const read_outs[] = {"spikes", "sweep_errors",
                                        "latched"};
static const char *const array_outs[] = {"err_rms", "err_max"};

/* [study] key as a number (atof), or def if absent. */
static double num(const xb_mc_study *s, const char *key, double def)
{
  const char *v = xb_mc_study_get(s, key);
  return v ? atof(v) : def;
}

static int model_setup(xbx_model *m, const xb_mc_study *s,
                       const char *study_path, xb_err *err)
{
  memset(m, 0, sizeof *m);
  m->fn = model_read;
  m->nout = 3;
  m->outs = read_outs;
  const char *kind = xb_mc_study_get(s, "model");
  if (kind && !strcmp(kind, "array")) {
    m->kind = 1;
    m->fn = model_array;
    m->nout = 2;
    m->outs = array_outs;
    const char *v = xb_mc_study_get(s, "size");
    m->size = v ? atoi(v) : 64;
    m->g = num(s, "g", 1e-5);
    m->d2d = num(s, "d2d", 0.0);
    m->rw = num(s, "rw", 0.634);
    m->v_read = num(s, "v_read", 0.2);
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
      return err->code;
    m->base = *xb_read_params_of(r);
    m->type = xb_read_type_of(r);
    xb_read_free(r);
  }
  m->current = num(s, "current", 1e-6);
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
    return err->code;
  int rc = XB_OK;
  for (int k = 0; !rc && k < XBX_SWEEP; k++)
    rc = xb_read_count(r, sweep_i(k), &m->nominal[k], err);
  xb_read_free(r);
  return rc;
}

/* ---- the steps the programs share --------------------------------------- */

int xbx_mc_load(xbx_mc *mc, const char *path, size_t samples, xb_err *err)
{
  memset(mc, 0, sizeof *mc);
  mc->s = mc->file = xb_mc_study_load(path, err);
  if (!mc->file)
    return err->code;
  if (samples) { /* the same parameters, another N */
    size_t np = xb_mc_study_nparams(mc->file);
    xb_mc_param *pp = malloc((np ? np : 1) * sizeof *pp);
    if (!pp)
      return seterr(err, XB_ENOMEM, "study parameters");
    for (size_t k = 0; k < np; k++)
      pp[k] = *xb_mc_study_param(mc->file, k);
    const char *sv = xb_mc_study_get(mc->file, "seed");
    const char *sm = xb_mc_study_get(mc->file, "sampling");
    mc->s = mc->resampled = xb_mc_study_create(
        pp, np, samples, sv ? strtoull(sv, NULL, 10) : 0,
        !sm || !strcmp(sm, "lhs"), err);
    free(pp);
    if (!mc->s)
      return err->code;
  }
  int rc = model_setup(&mc->m, mc->file, path, err);
  if (!rc && xb_mc_header(mc->s, mc->m.outs, mc->m.nout, mc->header,
                          sizeof mc->header) < 0)
    rc = seterr(err, XB_ERANGE, "header too long");
  return rc;
}

void xbx_mc_free(xbx_mc *mc)
{
  xb_mc_study_free(mc->file);
  xb_mc_study_free(mc->resampled);
  memset(mc, 0, sizeof *mc);
}

int xbx_mc_to_csv(xbx_mc *mc, const char *csv, int threads,
                  xb_mc_progress_fn progress, void *user, xb_err *err)
{
  xb_mc_out *o = xb_mc_out_open(csv, mc->header, xb_mc_study_samples(mc->s),
                                0, NULL, err);
  if (!o)
    return err->code;
  int rc = xb_mc_run(mc->s, mc->m.fn, &mc->m, mc->m.nout, o, 0, threads,
                     progress, user, err);
  int cl = xb_mc_out_close(o, rc ? NULL : err);
  return rc ? rc : cl;
}

int xbx_progress_fn(void *user, size_t done, size_t total)
{
  xbx_progress *p = user;
  if (p->stop_after && done >= p->stop_after) {
    fprintf(stderr, "\n%s: --stop-after %zu: killing myself\n", p->name,
            p->stop_after);
    raise(SIGKILL);
  }
  double t = xbx_now();
  if (t - p->last < 0.5 && done < total)
    return 0;
  p->last = t;
  double rate = (double)(done - p->first) / fmax(t - p->t0, 1e-9);
  fprintf(stderr, "\r  %s %10zu / %zu samples  %9.0f /s  ETA %6.0f s ",
          p->name, done, total, rate,
          rate > 0 ? (double)(total - done) / rate : 0.0);
  if (done == total)
    fprintf(stderr, "\n");
  return 0;
}
