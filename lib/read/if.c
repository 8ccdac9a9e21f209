/*
 * Behavioral integrate-and-fire read circuits (see xbar/read.h).
 *
 * With a constant input current I the node voltage is piecewise
 * exponential in time, so the circuit is simulated event to event in closed
 * form, with no time step:
 *
 *   integrate  V(s) = V0 + I s / C, until V reaches V_h (upper threshold,
 *              ATB and offset included) at s_x = (V_h - V0) C / I;
 *   delay      the output rises t_d later (one spike); V = V_h + I t_d / C;
 *   reset      the gate pulls toward V_inf = V_reset + I R with tau = R C:
 *              V(s) = V_inf + (V1 - V_inf) exp(-s / tau), until V reaches
 *              V_l (lower threshold) at s_l = tau ln((V1 - V_inf) /
 *              (V_l - V_inf)); if V_inf >= V_l the circuit latches;
 *   delay      the output falls t_d later; the gate opens at
 *              V2 = V_inf + (V1 - V_inf) exp(-(s_l + t_d) / tau).
 *
 * A negative current runs the mirrored circuit (voltages reflected about
 * V_reset). Cost: a few exp/log per spike; a 4.5 ns window holds at most a
 * handful, so a 100-column read is microseconds.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <xbar/read.h>

#include "../core/core_impl.h"

static int check(const void *pp, xb_err *err)
{
  const xb_read_params *p = pp;
  if (!(p->v_tl < p->v_th))
    return xb__err_set(err, XB_ERANGE, NULL, 0, "v_tl", -INFINITY, p->v_th,
                       "[read] v_tl = %g must be below v_th = %g", p->v_tl,
                       p->v_th);
  if (!(p->v_reset < p->v_tl))
    return xb__err_set(err, XB_ERANGE, NULL, 0, "v_reset", -INFINITY,
                       p->v_tl,
                       "[read] v_reset = %g must be below v_tl = %g (the "
                       "reset must end above the voltage it pulls to)",
                       p->v_reset, p->v_tl);
  if (!(p->v_th - p->atb_dv > p->v_tl))
    return xb__err_set(err, XB_ERANGE, NULL, 0, "atb_dv", 0,
                       p->v_th - p->v_tl,
                       "[read] atb_dv = %g would lower v_th below v_tl",
                       p->atb_dv);
  return XB_OK;
}

#define XB_PARAM_T xb_read_params
XB_PARAM_SET_DEFINE(xb_read_param_set, "read", XB_READ_PARAMS, check)
#undef XB_PARAM_T

static void se_defaults(xb_read_params *p)
{
  xb_param_defaults(&xb_read_param_set, p);
  p->window = 4.5e-9;
  p->c_int = 120e-15;
  p->t_delay = 30e-12;
  p->r_reset = 300.0;
  p->atb_dv = 3e-3;
  p->atb_i = 5e-6;
  p->atb_w = 1e-6;
}

static void diff_defaults(xb_read_params *p)
{
  xb_param_defaults(&xb_read_param_set, p);
  p->window = 4e-9;
  p->c_int = 115e-15;
  p->t_delay = 25e-12;
  p->r_reset = 300.0;
  p->v_tl = 0.51;
  p->atb_dv = 0.0;
}

static const xb_read_type se_type = {
    "se_adaptive",
    "single-ended adaptive Schmitt trigger with ATB (seed Fig. 2.6, 2.7)", 1,
    se_defaults};
static const xb_read_type diff_type = {
    "diff", "differential Schmitt trigger, 500 mV reference (seed Fig. 2.8)",
    0, diff_defaults};
const xb_read_type *const xb_read_se_adaptive = &se_type;
const xb_read_type *const xb_read_diff = &diff_type;

const xb_read_type *xb_read_type_find(const char *name)
{
  if (name && !strcmp(name, se_type.name))
    return &se_type;
  if (name && !strcmp(name, diff_type.name))
    return &diff_type;
  return NULL;
}

struct xb_read {
  const xb_read_type *type;
  xb_read_params p;
};

xb_read *xb_read_create(const xb_read_type *t, const xb_read_params *p,
                        xb_err *err)
{
  if (!t) {
    xb__err(err, XB_EINVAL, "NULL read-circuit type");
    return NULL;
  }
  xb_read_params q;
  if (p) {
    q = *p;
  } else {
    t->defaults(&q);
  }
  if (!t->has_atb)
    q.atb_dv = 0;
  if (xb_param_check(&xb_read_param_set, &q, err))
    return NULL;
  xb_read *r = malloc(sizeof *r);
  if (!r) {
    xb__err(err, XB_ENOMEM, "read circuit");
    return NULL;
  }
  r->type = t;
  r->p = q;
  return r;
}

struct load_ctx {
  char type[32];
};

static int read_keys(void *user, const char *section, const char *key,
                     const char *value, const char *file, int line,
                     xb_err *err)
{
  struct load_ctx *c = user;
  if (strcmp(section, "circuit") == 0 && strcmp(key, "type") == 0) {
    if (strlen(value) >= sizeof c->type)
      return xb__err_set(err, XB_ERANGE, file, line, key, NAN, NAN,
                         "[circuit] type is too long");
    strcpy(c->type, value);
    return XB_OK;
  }
  return XB_EKEY;
}

/* First pass: only look for [circuit] type. */
static int read_keys_scan(void *user, const char *section, const char *key,
                          const char *value, const char *file, int line,
                          xb_err *err)
{
  int rc = read_keys(user, section, key, value, file, line, err);
  return rc == XB_EKEY ? XB_OK : rc;
}

xb_read *xb_read_load(const char *path, xb_err *err)
{
  struct load_ctx c = {{0}};
  if (!path) {
    xb__err(err, XB_EINVAL, "NULL path");
    return NULL;
  }
  if (xb_ini_read(path, NULL, 0, read_keys_scan, &c, err))
    return NULL;
  const xb_read_type *t = xb_read_type_find(c.type);
  if (!t) {
    xb__err_set(err, c.type[0] ? XB_ETYPE : XB_EMISSING, path, 0, "type",
                NAN, NAN, "[circuit] type = se_adaptive | diff %s",
                c.type[0] ? "expected" : "is missing");
    return NULL;
  }
  xb_read_params p;
  t->defaults(&p);
  xb_ini_binding b = {"read", &xb_read_param_set, &p};
  if (xb_ini_read(path, &b, 1, read_keys, &c, err))
    return NULL;
  xb_read *r = xb_read_create(t, &p, err);
  if (!r && err && !err->file[0])
    xb__err_prefix(err, path, "%s", path);
  return r;
}

void xb_read_free(xb_read *r) { free(r); }
const xb_read_type *xb_read_type_of(const xb_read *r) { return r->type; }
const xb_read_params *xb_read_params_of(const xb_read *r) { return &r->p; }

double xb_read_threshold(const xb_read *r, double current)
{
  const xb_read_params *p = &r->p;
  double vh = p->v_th;
  if (p->atb_dv > 0)
    vh -= p->atb_dv / (1.0 + exp(-(fabs(current) - p->atb_i) / p->atb_w));
  return vh;
}

/* ---- closed-form simulation ------------------------------------------------ */

enum { PH_INT = 0, PH_RESET = 1 };

/* One phase: from t0, node (mirrored for I < 0) at v0. */
typedef struct seg {
  double t0, v0;
  int phase;
} seg;

typedef struct sim {
  const xb_read_params *p;
  double I, vh, vl, tau, vinf;
} sim;

static void sim_init(sim *s, const xb_read *r, double current)
{
  const xb_read_params *p = &r->p;
  s->p = p;
  s->I = fabs(current);
  s->vh = xb_read_threshold(r, current) + p->offset;
  s->vl = p->v_tl + p->offset;
  s->tau = p->r_reset * p->c_int;
  s->vinf = p->v_reset + s->I * p->r_reset;
}

/* Node voltage s seconds into a phase that started at v0. */
static double phase_v(const sim *s, int phase, double v0, double dt)
{
  if (phase == PH_INT)
    return v0 + s->I * dt / s->p->c_int;
  return s->vinf + (v0 - s->vinf) * exp(-dt / s->tau);
}

/* Walk the events up to t_end. For each phase start (and each spike) calls
 * back; returns XB_OK or XB_ERANGE if the circuit latches. */
typedef void (*seg_fn)(void *ctx, const seg *g, int spike);

static int simulate(const sim *s, double t_end, seg_fn fn, void *ctx,
                    xb_err *err)
{
  const xb_read_params *p = s->p;
  double C = p->c_int, td = p->t_delay;
  seg g = {0.0, p->v_reset, PH_INT};
  fn(ctx, &g, 0);
  if (s->I == 0)
    return XB_OK;
  for (long k = 0; k < 100000000L; k++) {
    /* Integrate to the upper threshold, then the output rises. */
    double tx = g.t0 + (g.v0 < s->vh ? (s->vh - g.v0) * C / s->I : 0.0);
    double tr = tx + td;
    if (tr > t_end)
      return XB_OK;
    double v1 = phase_v(s, PH_INT, g.v0, tr - g.t0);
    g.t0 = tr;
    g.v0 = v1;
    g.phase = PH_RESET;
    fn(ctx, &g, 1);
    /* Reset until below the lower threshold, then the output falls. */
    if (!(s->vinf < s->vl))
      return xb__err(err, XB_ERANGE,
                     "read circuit latches at %g A: the reset gate (%g Ohm) "
                     "cannot pull the node below v_tl (it settles at %g V)",
                     s->I, p->r_reset, s->vinf);
    double sl = v1 > s->vl ? s->tau * log((v1 - s->vinf) / (s->vl - s->vinf))
                           : 0.0;
    double tf = tr + sl + td;
    if (tf > t_end)
      return XB_OK;
    g.v0 = phase_v(s, PH_RESET, v1, sl + td);
    g.t0 = tf;
    g.phase = PH_INT;
    fn(ctx, &g, 0);
  }
  return xb__err(err, XB_ENOCONV, "read simulation exceeded 1e8 events");
}

struct ev_ctx {
  double *times;
  size_t cap, count;
};

static void on_event(void *ctx, const seg *g, int spike)
{
  struct ev_ctx *c = ctx;
  if (!spike)
    return;
  if (c->times && c->count < c->cap)
    c->times[c->count] = g->t0;
  c->count++;
}

int xb_read_events(const xb_read *r, double current, double t_end,
                   double *times, size_t cap, size_t *count, xb_err *err)
{
  if (!r || !count)
    return xb__err(err, XB_EINVAL, "NULL read circuit or count");
  if (!isfinite(current) || !isfinite(t_end))
    return xb__err(err, XB_EINVAL, "current %g A or end time %g s not finite",
                   current, t_end);
  sim s;
  sim_init(&s, r, current);
  struct ev_ctx c = {times, cap, 0};
  int rc = simulate(&s, t_end, on_event, &c, err);
  if (!rc)
    *count = c.count;
  return rc;
}

int xb_read_count(const xb_read *r, double current, int *spikes, xb_err *err)
{
  if (!r || !spikes)
    return xb__err(err, XB_EINVAL, "NULL read circuit or output");
  size_t n;
  int rc = xb_read_events(r, current, r->p.window, NULL, 0, &n, err);
  if (!rc)
    *spikes = n > 1000000 ? 1000000 : (int)n;
  return rc;
}

struct wave_ctx {
  seg *segs;
  size_t n, cap;
  int oom;
};

static void on_seg(void *ctx, const seg *g, int spike)
{
  (void)spike;
  struct wave_ctx *c = ctx;
  if (c->n == c->cap) {
    size_t cap = c->cap ? 2 * c->cap : 64;
    seg *s = realloc(c->segs, cap * sizeof *s);
    if (!s) {
      c->oom = 1;
      return;
    }
    c->segs = s;
    c->cap = cap;
  }
  c->segs[c->n++] = *g;
}

int xb_read_wave(const xb_read *r, double current, const double *t, size_t n,
                 double *v, double *out, xb_err *err)
{
  if (!r || !t || !v || !n)
    return xb__err(err, XB_EINVAL, "NULL argument or no samples");
  sim s;
  sim_init(&s, r, current);
  struct wave_ctx c = {0};
  int rc = simulate(&s, t[n - 1], on_seg, &c, err);
  if (!rc && c.oom)
    rc = xb__err(err, XB_ENOMEM, "read waveform");
  if (rc) {
    free(c.segs);
    return rc;
  }
  double vr = r->p.v_reset, sign = current < 0 ? -1.0 : 1.0;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    while (k + 1 < c.n && c.segs[k + 1].t0 <= t[i])
      k++;
    const seg *g = &c.segs[k];
    double vm = t[i] < g->t0 ? g->v0 : phase_v(&s, g->phase, g->v0,
                                              t[i] - g->t0);
    v[i] = vr + sign * (vm - vr);
    if (out) /* the output is high from a spike until the reset ends */
      out[i] = g->phase == PH_RESET && t[i] >= g->t0 ? 1.0 : 0.0;
  }
  free(c.segs);
  return XB_OK;
}

/* ---- digital side ------------------------------------------------------------ */

unsigned xb_read_thermometer(int spikes)
{
  if (spikes <= 0)
    return 0;
  if (spikes >= 8)
    return 0xFFu;
  return (1u << spikes) - 1u;
}

unsigned xb_read_encode(unsigned thermometer)
{
  unsigned ones = 0;
  for (unsigned b = thermometer & 0xFFu; b; b >>= 1)
    ones += b & 1u;
  return ones > 7 ? 7 : ones;
}

int xb_read_dz(const xb_read *r, xb_array *a, int in_axis,
               const unsigned *z, int zbits, double v_read, int unselected,
               double v_bias, int *out, xb_err *err)
{
  if (!r || !a || !z || !out || zbits < 1 || zbits > 16)
    return xb__err(err, XB_EINVAL, "NULL argument or zbits outside 1..16");
  size_t nin = in_axis == XB_ROW ? xb_array_rows(a) : xb_array_cols(a);
  size_t nout = in_axis == XB_ROW ? xb_array_cols(a) : xb_array_rows(a);
  double *v = malloc(nin * sizeof(double));
  double *I = malloc(nout * sizeof(double));
  unsigned char *act = malloc(nin);
  int rc = XB_OK;
  if (!v || !I || !act)
    rc = xb__err(err, XB_ENOMEM, "bit-serial read");
  for (size_t k = 0; !rc && k < nout; k++)
    out[k] = 0;
  for (int b = 0; !rc && b < zbits; b++) {
    for (size_t k = 0; k < nin; k++) {
      act[k] = (z[k] >> b) & 1u;
      v[k] = v_read;
    }
    rc = xb_array_read(a, in_axis, v, act, unselected, v_bias, r->p.v_reset,
                       I, err);
    for (size_t k = 0; !rc && k < nout; k++) {
      int n;
      rc = xb_read_count(r, I[k], &n, err);
      if (!rc)
        out[k] += (int)xb_read_encode(xb_read_thermometer(n)) << b;
    }
  }
  free(v);
  free(I);
  free(act);
  return rc;
}
