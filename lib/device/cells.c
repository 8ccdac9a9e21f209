/*
 * Cell arrays: the state of many devices of one type, stored as structure
 * of arrays (one double array per field), ready for the array module to
 * read conductances from one contiguous `double *g`.
 *
 * Variation (SPEC section 1):
 *   device-to-device  drawn once at creation: a conductance scale
 *                     exp(d2d_g N) (median 1; the cell's range becomes
 *                     scale x [Gmin, Gmax]) and a nonlinearity factor
 *                     exp(d2d_nl N) that the model applies to its shape
 *                     parameter (A of the exp model, tau of soft bounds);
 *   stuck-at          drawn at creation: a uniform u < stuck_gmin sticks the
 *                     cell at its Gmin, u < stuck_gmin + stuck_gmax at Gmax;
 *   cycle-to-cycle    per pulse call: after the model moves the state by n
 *                     pulses, G gets N(0, (c2c (Gmax - Gmin))^2 |n|) noise,
 *                     i.e. sigma grows as sqrt(n) like a sum of independent
 *                     per-pulse errors; the result is clamped to the range;
 *   read noise        per read: I (1 + read N).
 * Every draw comes from the Philox stream (seed, tag | cell index) at a
 * position owned by the cell (its pulse counter) or named by the caller (the
 * read event), so no result depends on thread count or visiting order.
 *
 * Workload: up to 4096 x 4096 = 16.8M cells; per cell 6 doubles, one byte
 * and one counter (about 57 bytes).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xbar/rng.h>

#include "device_impl.h"

static void cells_free_arrays(xb_cells *c)
{
  free(c->g);
  free(c->gscale);
  free(c->shape);
  for (int k = 0; k < XB_DEVICE_MAX_STATE; k++)
    free(c->state[k]);
  free(c->stuck);
  free(c->events);
}

void xb_cells_free(xb_cells *c)
{
  if (!c)
    return;
  cells_free_arrays(c);
  free(c);
}

static void load_state(const xb_cells *c, size_t i, double *s)
{
  for (int k = 0; k < XB_DEVICE_MAX_STATE; k++)
    s[k] = c->state[k] ? c->state[k][i] : 0.0;
}

static void store_state(xb_cells *c, size_t i, const double *s)
{
  for (int k = 0; k < XB_DEVICE_MAX_STATE; k++)
    if (c->state[k])
      c->state[k][i] = s[k];
}

/* Put cell i in its initial state at model conductance gm (unscaled). */
static void init_cell(xb_cells *c, size_t i, double gm)
{
  const xb_device *d = c->dev;
  double s[XB_DEVICE_MAX_STATE] = {0};
  if (c->stuck[i] == XB_STUCK_GMIN)
    gm = d->gmin;
  else if (c->stuck[i] == XB_STUCK_GMAX)
    gm = d->gmax;
  d->type->set_g(d->model, c->shape[i], gm, s);
  store_state(c, i, s);
  c->g[i] = c->gscale[i] * d->type->g(d->model, c->shape[i], s);
}

xb_cells *xb_cells_create(const xb_device *d, size_t n, uint64_t seed,
                          xb_err *err)
{
  if (!d) {
    xb__err(err, XB_EINVAL, "NULL device");
    return NULL;
  }
  if (n == 0 || n > ((size_t)1 << 40)) {
    xb__err(err, XB_ESIZE, "cell count %zu outside [1, 2^40]", n);
    return NULL;
  }
  xb_cells *c = calloc(1, sizeof *c);
  if (!c) {
    xb__err(err, XB_ENOMEM, "cells");
    return NULL;
  }
  c->dev = d;
  c->n = n;
  c->seed = seed;
  c->g = malloc(n * sizeof(double));
  c->gscale = malloc(n * sizeof(double));
  c->shape = malloc(n * sizeof(double));
  c->stuck = malloc(n);
  c->events = calloc(n, sizeof(uint64_t));
  int ok = c->g && c->gscale && c->shape && c->stuck && c->events;
  for (unsigned k = 0; ok && k < d->type->nstate; k++)
    ok = (c->state[k] = calloc(n, sizeof(double))) != NULL;
  if (!ok) {
    xb__err(err, XB_ENOMEM, "%zu cells (%.3g MB)", n,
            (double)n * (6 * sizeof(double) + 9) / 1e6);
    xb_cells_free(c);
    return NULL;
  }
  const xb_var_params *v = &d->var;
  for (size_t i = 0; i < n; i++) {
    c->gscale[i] =
        v->d2d_g > 0
            ? exp(v->d2d_g *
                  xb_rng_normal(seed, XB__STREAM(XB__STREAM_D2D_G, i), 0))
            : 1.0;
    c->shape[i] =
        v->d2d_nl > 0
            ? exp(v->d2d_nl *
                  xb_rng_normal(seed, XB__STREAM(XB__STREAM_D2D_NL, i), 0))
            : 1.0;
    c->stuck[i] = XB_STUCK_NONE;
    if (v->stuck_gmin > 0 || v->stuck_gmax > 0) {
      double u = xb_rng_uniform(seed, XB__STREAM(XB__STREAM_STUCK, i), 0);
      if (u < v->stuck_gmin)
        c->stuck[i] = XB_STUCK_GMIN;
      else if (u < v->stuck_gmin + v->stuck_gmax)
        c->stuck[i] = XB_STUCK_GMAX;
    }
    init_cell(c, i, d->gmin);
  }
  return c;
}

size_t xb_cells_count(const xb_cells *c) { return c->n; }
const xb_device *xb_cells_device(const xb_cells *c) { return c->dev; }
const double *xb_cells_g(const xb_cells *c) { return c->g; }
double xb_cells_gscale(const xb_cells *c, size_t i) { return c->gscale[i]; }
double xb_cells_shape(const xb_cells *c, size_t i) { return c->shape[i]; }
int xb_cells_stuck(const xb_cells *c, size_t i) { return c->stuck[i]; }

void xb_cells_state(const xb_cells *c, size_t i, double *s)
{
  load_state(c, i, s);
}

static int check_index(const xb_cells *c, size_t i, xb_err *err)
{
  if (!c)
    return xb__err(err, XB_EINVAL, "NULL cells");
  if (i >= c->n)
    return xb__err(err, XB_EINVAL, "cell index %zu >= count %zu", i, c->n);
  return XB_OK;
}

int xb_cells_set_g(xb_cells *c, size_t i, double g, xb_err *err)
{
  int rc = check_index(c, i, err);
  if (rc)
    return rc;
  if (!isfinite(g))
    return xb__err_set(err, XB_EINVAL, NULL, 0, "g", NAN, NAN,
                       "target conductance %g is not finite", g);
  if (c->stuck[i])
    return XB_OK;
  const xb_device *d = c->dev;
  double s[XB_DEVICE_MAX_STATE];
  load_state(c, i, s);
  d->type->set_g(d->model, c->shape[i], g / c->gscale[i], s);
  store_state(c, i, s);
  c->g[i] = c->gscale[i] * d->type->g(d->model, c->shape[i], s);
  return XB_OK;
}

int xb_cells_reset(xb_cells *c, double g, xb_err *err)
{
  if (!c)
    return xb__err(err, XB_EINVAL, "NULL cells");
  if (!isfinite(g))
    return xb__err_set(err, XB_EINVAL, NULL, 0, "g", NAN, NAN,
                       "reset conductance %g is not finite", g);
  for (size_t i = 0; i < c->n; i++)
    init_cell(c, i, g / c->gscale[i]);
  return XB_OK;
}

/* One pulse call on a checked cell: n pulses of the model, then c2c noise. */
static void apply(xb_cells *c, size_t i, double n)
{
  if (n == 0 || c->stuck[i])
    return;
  const xb_device *d = c->dev;
  const xb_device_type *t = d->type;
  double s[XB_DEVICE_MAX_STATE];
  load_state(c, i, s);
  t->pulse(d->model, c->shape[i], n, s);
  double gm = t->g(d->model, c->shape[i], s);
  if (d->var.c2c > 0) {
    double z = xb_rng_normal(c->seed, XB__STREAM(XB__STREAM_C2C, i),
                             c->events[i]++);
    gm += d->var.c2c * (d->gmax - d->gmin) * sqrt(fabs(n)) * z;
    t->set_g(d->model, c->shape[i], xb__clamp(gm, d->gmin, d->gmax), s);
    gm = t->g(d->model, c->shape[i], s);
  }
  store_state(c, i, s);
  c->g[i] = c->gscale[i] * gm;
}

static int check_pulse(double v, double width, xb_err *err)
{
  if (!isfinite(v))
    return xb__err_set(err, XB_EINVAL, NULL, 0, "v", NAN, NAN,
                       "pulse amplitude %g V is not finite", v);
  if (!isfinite(width) || width < 0)
    return xb__err_set(err, XB_EINVAL, NULL, 0, "width", 0, INFINITY,
                       "pulse width %g s must be finite and >= 0", width);
  return XB_OK;
}

int xb_cells_pulse(xb_cells *c, size_t i, double v, double width,
                   unsigned count, xb_err *err)
{
  int rc = check_index(c, i, err);
  if (!rc)
    rc = check_pulse(v, width, err);
  if (rc)
    return rc;
  const xb_device *d = c->dev;
  apply(c, i, (double)count * xb_device_rate(d, v) * width / d->el.t_pulse);
  return XB_OK;
}

int xb_cells_pulse_all(xb_cells *c, const double *v, double width,
                       xb_err *err)
{
  if (!c || !v)
    return xb__err(err, XB_EINVAL, "NULL cells or voltages");
  for (size_t i = 0; i < c->n; i++) {
    int rc = check_pulse(v[i], width, err);
    if (rc) {
      xb__err_prefix(err, NULL, "cell %zu", i);
      return rc;
    }
  }
  const xb_device *d = c->dev;
  double scale = width / d->el.t_pulse;
  for (size_t i = 0; i < c->n; i++)
    apply(c, i, xb_device_rate(d, v[i]) * scale);
  return XB_OK;
}

static void cell_iv(const xb_cells *c, size_t i, double v, double *cur,
                    double *didv)
{
  const xb_device *d = c->dev;
  double g = c->g[i], I, dI;
  if (d->type->iv) {
    d->type->iv(d->model, g, v, &I, &dI);
  } else if (d->el.iv == 1) {
    double v0 = d->el.v_iv;
    I = g * v0 * sinh(v / v0);
    dI = g * cosh(v / v0);
  } else {
    I = g * v;
    dI = g;
  }
  if (cur)
    *cur = I;
  if (didv)
    *didv = dI;
}

int xb_cells_iv(const xb_cells *c, size_t i, double v, double *current,
                double *didv, xb_err *err)
{
  int rc = check_index(c, i, err);
  if (rc)
    return rc;
  if (!isfinite(v))
    return xb__err(err, XB_EINVAL, "read voltage %g V is not finite", v);
  cell_iv(c, i, v, current, didv);
  return XB_OK;
}

int xb_cells_read(const xb_cells *c, size_t i, double v, uint64_t event,
                  double *current, xb_err *err)
{
  double I;
  int rc = xb_cells_iv(c, i, v, &I, NULL, err);
  if (rc)
    return rc;
  double sr = c->dev->var.read;
  if (sr > 0)
    I *= 1.0 + sr * xb_rng_normal(c->seed, XB__STREAM(XB__STREAM_READ, i),
                                  event);
  if (current)
    *current = I;
  return XB_OK;
}
