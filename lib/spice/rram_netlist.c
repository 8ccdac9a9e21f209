/*
 * Behavioral RRAM cells and the pulse-overlap write as an ngspice deck
 * (see xbar/spice_rram.h for the cell equations, the drive waveforms and
 * their accuracy).
 *
 * The array part reuses xb_spice_netlist unchanged: every line is set
 * floating while the deck is written (so the writer gives it no source),
 * and the cell type writes each cell as its state capacitor, state current
 * and cell current. The line drivers (the writer's rs.../v... names, now
 * with PWL sources), the options, the saved vectors and the .tran card go
 * into the writer's "analysis" text. The PWL waveforms are built from the
 * same generators xb_write_parallel slices the write with
 * (xb_write_r_pulses, xb_write_z_window): each line's nominal waveform is
 * a list of segments at 0 or Vdd on a Vdd/2 background; its change points
 * are merged when closer than 1e-3 t_edge (a window that ends where the
 * next half's window begins is one edge Vdd -> 0), and each change becomes
 * a ramp of t_edge centred on it.
 *
 * Workload: one deck per call, 4 x 4 to 8 x 8 arrays; a few hundred PWL
 * points per line.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xbar/spice_rram.h>

#include "../core/core_impl.h"

#define DEF_V_SMOOTH 1e-3 /* V */
#define DEF_X_SMOOTH 1e-3 /* pulses */
#define DEF_T_EDGE 10e-12 /* s */
#define DEF_T_LEAD 1e-9   /* s */
#define DEF_RELTOL 1e-6

/* ---- the cell ------------------------------------------------------------ */

int xb_spice_rram_check(const xb_device *d, xb_err *err)
{
  if (!d)
    return xb__err(err, XB_EINVAL, "NULL device");
  if (xb_device_type_of(d) != xb_device_linear)
    return xb__err(err, XB_EINVAL,
                   "behavioral RRAM cell: device type '%s' (only the linear "
                   "model is written)",
                   xb_device_name(d));
  const xb_elec_params *el = xb_device_elec(d);
  if (el->response != 0)
    return xb__err(err, XB_EINVAL,
                   "behavioral RRAM cell: response %d (only the step "
                   "response 0 is written)",
                   el->response);
  if (el->iv != 0)
    return xb__err(err, XB_EINVAL,
                   "behavioral RRAM cell: nonlinear read I-V (only ohmic "
                   "cells are written)");
  const xb_var_params *v = xb_device_variation(d);
  if (v->d2d_g != 0 || v->d2d_nl != 0 || v->c2c != 0 || v->stuck_gmin != 0 ||
      v->stuck_gmax != 0)
    return xb__err(err, XB_EINVAL,
                   "behavioral RRAM cell: the device has variation (d2d, "
                   "c2c or stuck cells), which a deterministic deck cannot "
                   "match; use xb_device_with_variation(d, NULL)");
  return XB_OK;
}

static double levels_of(const xb_device *d)
{
  return ((const xb_linear_params *)xb_device_params(d))->levels;
}

static int rram_cell(FILE *f, const xb_array *a, size_t i, size_t j,
                     const char *row_node, const char *col_node, double g,
                     void *ctx, xb_err *err)
{
  (void)a;
  const xb_spice_rram *cx = ctx;
  if (!cx)
    return xb__err(err, XB_EINVAL, "behavioral RRAM cell: NULL context");
  int rc = xb_spice_rram_check(cx->dev, err);
  if (rc)
    return rc;
  double gmin, gmax, L = levels_of(cx->dev);
  xb_device_bounds(cx->dev, &gmin, &gmax);
  double x0 = L * (g - gmin) / (gmax - gmin);
  if (!isfinite(g) || x0 < -1e-9 * L || x0 > L * (1 + 1e-9))
    return xb__err(err, XB_EINVAL,
                   "cell (%zu, %zu): conductance %g S outside [%g, %g] S", i,
                   j, g, gmin, gmax);
  x0 = fmin(fmax(x0, 0.0), L);
  const xb_elec_params *el = xb_device_elec(cx->dev);
  double w = cx->v_smooth > 0 ? cx->v_smooth : DEF_V_SMOOTH;
  double wx = cx->x_smooth > 0 ? cx->x_smooth : DEF_X_SMOOTH;
  double vs = el->step_frac * el->vw_set, vr = el->step_frac * el->vw_reset;
  fprintf(f, "cs%zu_%zu xs%zu_%zu 0 %.17g\n", i, j, i, j, el->t_pulse);
  fprintf(f,
          "bs%zu_%zu 0 xs%zu_%zu i = "
          "0.25*(1+tanh((v(%s,%s)-%.17g)/%.17g))"
          "*(1+tanh((%.17g-v(xs%zu_%zu))/%.17g))"
          " - 0.25*(1+tanh((v(%s,%s)-%.17g)/%.17g))"
          "*(1+tanh(v(xs%zu_%zu)/%.17g))\n",
          i, j, i, j, row_node, col_node, vs, w, L, i, j, wx, col_node,
          row_node, vr, w, i, j, wx);
  fprintf(f, "bx%zu_%zu %s %s i = (%.17g+%.17g*v(xs%zu_%zu))*v(%s,%s)\n", i,
          j, row_node, col_node, gmin, (gmax - gmin) / L, i, j, row_node,
          col_node);
  if (el->cr > 0)
    fprintf(f, "cx%zu_%zu %s %s %.17g\n", i, j, row_node, col_node, el->cr);
  fprintf(f, ".ic v(xs%zu_%zu)=%.17g\n", i, j, x0);
  return XB_OK;
}

static const xb_spice_cell_type rram_linear_type = {
    .name = "behavioral RRAM (linear, step threshold)",
    .preamble = NULL,
    .cell = rram_cell,
};
const xb_spice_cell_type *const xb_spice_cell_rram_linear = &rram_linear_type;

/* ---- drive waveforms --------------------------------------------------- */

void xb_spice_write_opts_default(xb_spice_write_opts *o)
{
  if (o)
    memset(o, 0, sizeof *o);
}

typedef struct seg {
  double t0, t1, v;
} seg;

typedef struct wave {
  seg *s;
  size_t n, cap;
  double *t; /* change points, then PWL times */
  double *v; /* PWL values */
  size_t np;
} wave;

static int seg_add(wave *w, double t0, double t1, double v)
{
  if (!(t1 > t0))
    return XB_OK;
  if (w->n == w->cap) {
    size_t cap = w->cap ? 2 * w->cap : 64;
    seg *s = realloc(w->s, cap * sizeof *s);
    if (!s)
      return XB_ENOMEM;
    w->s = s;
    w->cap = cap;
  }
  w->s[w->n++] = (seg){t0, t1, v};
  return XB_OK;
}

static int cmp_double(const void *x, const void *y)
{
  double a = *(const double *)x, b = *(const double *)y;
  return a < b ? -1 : (a > b ? 1 : 0);
}

/* Nominal level at time t: the segment containing t, else rest. */
static double level_at(const wave *w, double t, double rest)
{
  for (size_t k = 0; k < w->n; k++)
    if (t >= w->s[k].t0 && t < w->s[k].t1)
      return w->s[k].v;
  return rest;
}

/* Segments of row value r (axis XB_ROW) or column value z (XB_COL) over
 * all repetitions, times from the start of the first write. */
static int wave_segments(wave *w, const xb_write_params *p, int axis, int val,
                         double vdd, xb_err *err)
{
  double st[1024];
  for (int q = 0; q < p->reps; q++) {
    double off = q * p->t_write;
    if (axis == XB_ROW) {
      int n, h;
      int rc = xb_write_r_pulses(p, val, q, st, 1024, &n, &h, err);
      if (rc)
        return rc;
      for (int k = 0; k < n; k++)
        if (seg_add(w, off + st[k], off + st[k] + p->t_rpulse,
                    h ? vdd : 0.0))
          return xb__err(err, XB_ENOMEM, "write waveform");
    } else {
      for (int h = 0; h < 2; h++) {
        double t0, t1;
        int rc = xb_write_z_window(p, val, h, &t0, &t1, err);
        if (rc)
          return rc;
        if (seg_add(w, off + t0, off + t1, h ? 0.0 : vdd))
          return xb__err(err, XB_ENOMEM, "write waveform");
      }
    }
  }
  return XB_OK;
}

/* PWL points of the line: rest at 0, ramps of t_edge centred on each
 * change (shifted by t_lead), rest until t_end. */
static int wave_pwl(wave *w, double rest, double t_edge, double t_lead,
                    double t_end, const char *what, size_t k, xb_err *err)
{
  size_t nb = 2 * w->n;
  w->t = malloc((nb + 1) * sizeof(double));
  w->v = malloc((2 * nb + 2) * sizeof(double));
  double *pt = malloc((2 * nb + 2) * sizeof(double));
  if (!w->t || !w->v || !pt) {
    free(pt);
    return xb__err(err, XB_ENOMEM, "write waveform");
  }
  for (size_t s = 0; s < w->n; s++) {
    w->t[2 * s] = w->s[s].t0;
    w->t[2 * s + 1] = w->s[s].t1;
  }
  qsort(w->t, nb, sizeof(double), cmp_double);
  /* Merge change points closer than 1e-3 t_edge. */
  size_t nu = 0;
  for (size_t s = 0; s < nb; s++)
    if (nu == 0 || w->t[s] - w->t[nu - 1] > 1e-3 * t_edge)
      w->t[nu++] = w->t[s];
  size_t np = 0;
  pt[np] = 0;
  w->v[np++] = rest;
  double cur = rest, last = -INFINITY;
  for (size_t s = 0; s < nu; s++) {
    double mid = s + 1 < nu ? 0.5 * (w->t[s] + w->t[s + 1]) : w->t[s] + 1;
    double nv = level_at(w, mid, rest);
    if (nv == cur)
      continue;
    double tc = t_lead + w->t[s];
    if (tc - last <= t_edge * (1 + 1e-6) || tc - 0.5 * t_edge <= 0) {
      free(pt);
      return xb__err_set(err, XB_ERANGE, NULL, 0, "t_edge", 0, tc - last,
                         "%s %zu: edges %g s apart, t_edge %g s does not fit",
                         what, k, tc - last, t_edge);
    }
    pt[np] = tc - 0.5 * t_edge;
    w->v[np++] = cur;
    pt[np] = tc + 0.5 * t_edge;
    w->v[np++] = nv;
    cur = nv;
    last = tc;
  }
  if (cur != rest) { /* every waveform ends at rest; cannot happen */
    free(pt);
    return xb__err(err, XB_EINVAL, "%s %zu does not end at rest", what, k);
  }
  pt[np] = t_end;
  w->v[np++] = rest;
  free(w->t);
  w->t = pt;
  w->np = np;
  return XB_OK;
}

static void wave_free(wave *w)
{
  free(w->s);
  free(w->t);
  free(w->v);
  memset(w, 0, sizeof *w);
}

/* Line resistance and PWL source at each default end of line k. */
static void write_driver(FILE *f, const xb_array *a, int axis, size_t k,
                         const wave *w)
{
  const xb_array_params *ap = xb_array_params_of(a);
  size_t n = xb_array_rows(a), m = xb_array_cols(a);
  int ends = axis == XB_ROW ? ap->row_ends : ap->col_ends;
  const char *what = axis == XB_ROW ? "row" : "col";
  char s = axis == XB_ROW ? 'r' : 'c';
  for (int end = XB_END_NEAR; end <= XB_END_FAR; end <<= 1) {
    if (!(ends & end))
      continue;
    char e = end == XB_END_NEAR ? 'n' : 'f', node[48];
    if (axis == XB_ROW)
      snprintf(node, sizeof node, "r%zu_%zu", k, end == XB_END_NEAR ? 0 : m - 1);
    else
      snprintf(node, sizeof node, "c%zu_%zu", end == XB_END_NEAR ? 0 : n - 1, k);
    fprintf(f, "rs%s%zu%c %s s%c%zu%c %.17g\n", what, k, e, node, s, k, e,
            ap->r_drive);
    fprintf(f, "v%s%zu%c s%c%zu%c 0 pwl(", what, k, e, s, k, e);
    for (size_t q = 0; q < w->np; q++)
      fprintf(f, "%s%.17g %.17g", q == 0 ? "" : q % 4 ? " " : "\n+ ",
              w->t[q], w->v[q]);
    fprintf(f, ")\n");
  }
}

/* ---- the deck ---------------------------------------------------------- */

static double vdd_of(const xb_write_params *p, const xb_device *d)
{
  return p->vdd > 0 ? p->vdd : xb_device_elec(d)->vw_set;
}

static int check_args(xb_array *a, xb_cells *c, const xb_write_params *p,
                      const int *r, const int *z, const xb_spice_write_opts *o,
                      xb_err *err)
{
  if (!a || !c || !p || !r || !z)
    return xb__err(err, XB_EINVAL, "NULL argument");
  int rc = xb_param_check(&xb_write_param_set, p, err);
  if (rc)
    return rc;
  size_t n = xb_array_rows(a), m = xb_array_cols(a);
  if (xb_cells_count(c) != n * m)
    return xb__err(err, XB_EINVAL, "%zu cells for a %zu x %zu array",
                   xb_cells_count(c), n, m);
  rc = xb_spice_rram_check(xb_cells_device(c), err);
  if (rc)
    return rc;
  for (size_t i = 0; i < n; i++)
    if (abs(r[i]) > p->r_levels)
      return xb__err_set(err, XB_ERANGE, NULL, 0, "r", -p->r_levels,
                         p->r_levels, "r[%zu] = %d outside -%d..%d", i, r[i],
                         p->r_levels, p->r_levels);
  for (size_t j = 0; j < m; j++)
    if (z[j] < 0 || z[j] > p->zbits)
      return xb__err_set(err, XB_ERANGE, NULL, 0, "z", 0, p->zbits,
                         "z[%zu] = %d outside 0..%d", j, z[j], p->zbits);
  if (o && !(isfinite(o->t_edge) && isfinite(o->t_lead) &&
             isfinite(o->t_max) && isfinite(o->reltol) &&
             isfinite(o->v_smooth) && isfinite(o->x_smooth)))
    return xb__err(err, XB_ERANGE, "write deck options must be finite");
  return XB_OK;
}

/* Drivers, options, saved vectors and .tran after the array. */
static int write_tail(FILE *f, xb_array *a, const xb_device *d,
                      const xb_write_params *p, const int *r, const int *z,
                      const xb_spice_write_opts *o, xb_err *err)
{
  size_t n = xb_array_rows(a), m = xb_array_cols(a);
  double vdd = vdd_of(p, d);
  double te = o->t_edge > 0 ? o->t_edge : DEF_T_EDGE;
  double tl = o->t_lead > 0 ? o->t_lead : DEF_T_LEAD;
  double tmax = o->t_max > 0 ? o->t_max : 10 * te;
  double rtol = o->reltol > 0 ? o->reltol : DEF_RELTOL;
  double tend = 2 * tl + p->reps * p->t_write;
  fprintf(f,
          "* line drivers: r pulses on the rows, Z windows on the columns, "
          "Vdd/2 = %.17g V at rest\n"
          "* (xb_spice_write_netlist; %d repetitions of %.17g s from t = "
          "%.17g s, edges %.17g s)\n",
          0.5 * vdd, p->reps, p->t_write, tl, te);
  int rc = XB_OK;
  for (int axis = XB_ROW; axis <= XB_COL && !rc; axis++) {
    size_t nl = axis == XB_ROW ? n : m;
    for (size_t k = 0; k < nl && !rc; k++) {
      wave w = {0};
      int val = axis == XB_ROW ? r[k] : z[k];
      rc = wave_segments(&w, p, axis, val, vdd, err);
      if (!rc)
        rc = wave_pwl(&w, 0.5 * vdd, te, tl, tend,
                      axis == XB_ROW ? "row" : "column", k, err);
      if (!rc) {
        fprintf(f, "* %s %zu: %s = %d\n", axis == XB_ROW ? "row" : "column",
                k, axis == XB_ROW ? "r" : "z", val);
        write_driver(f, a, axis, k, &w);
      }
      wave_free(&w);
    }
  }
  if (rc)
    return rc;
  for (size_t i = 0; i < n; i++) {
    fprintf(f, ".save");
    for (size_t j = 0; j < m; j++)
      fprintf(f, " v(xs%zu_%zu)", i, j);
    fprintf(f, "\n");
  }
  fprintf(f,
          ".options method=trap reltol=%.17g abstol=1e-15 vntol=1e-9 "
          "chgtol=1e-21\n"
          ".tran %.17g %.17g 0 %.17g",
          rtol, tmax, tend, tmax);
  return XB_OK;
}

static int build_deck(xb_array *a, xb_cells *c, const xb_write_params *p,
                      const int *r, const int *z, const xb_spice_write_opts *o,
                      char **out, xb_err *err)
{
  *out = NULL;
  int rc = check_args(a, c, p, r, z, o, err);
  if (rc)
    return rc;
  xb_spice_write_opts def;
  if (!o) {
    xb_spice_write_opts_default(&def);
    o = &def;
  }
  const xb_device *d = xb_cells_device(c);
  size_t n = xb_array_rows(a), m = xb_array_cols(a);

  /* The tail first, so that a failure leaves the array untouched. */
  char *tail = NULL;
  size_t tail_len = 0;
  FILE *f = open_memstream(&tail, &tail_len);
  if (!f)
    return xb__err(err, XB_ENOMEM, "write deck");
  rc = write_tail(f, a, d, p, r, z, o, err);
  if ((fclose(f) != 0 || !tail) && !rc)
    rc = xb__err(err, XB_ENOMEM, "write deck");
  if (rc) {
    free(tail);
    return rc;
  }

  xb_line *rows = malloc(n * sizeof(xb_line)), *cols = malloc(m * sizeof(xb_line));
  if (!rows || !cols) {
    free(rows);
    free(cols);
    free(tail);
    return xb__err(err, XB_ENOMEM, "line settings");
  }
  for (size_t i = 0; i < n; i++)
    xb_array_get_line(a, XB_ROW, i, &rows[i]);
  for (size_t j = 0; j < m; j++)
    xb_array_get_line(a, XB_COL, j, &cols[j]);

  char title[160];
  snprintf(title, sizeof title,
           "xbar pulse-overlap write, %zu x %zu, %d x %g s, behavioral RRAM",
           n, m, p->reps, p->t_write);
  xb_spice_rram ctx = {d, o->v_smooth, o->x_smooth};
  xb_spice_netlist_opts no;
  xb_spice_netlist_opts_default(&no);
  no.cell = xb_spice_cell_rram_linear;
  no.cell_ctx = &ctx;
  no.title = title;
  no.analysis = tail;
  rc = xb_array_set_cells(a, c, err);
  for (size_t i = 0; i < n && !rc; i++)
    rc = xb_array_float(a, XB_ROW, i, err);
  for (size_t j = 0; j < m && !rc; j++)
    rc = xb_array_float(a, XB_COL, j, err);
  if (!rc) {
    char *buf = NULL;
    size_t len = 0;
    FILE *df = open_memstream(&buf, &len);
    if (!df)
      rc = xb__err(err, XB_ENOMEM, "write deck");
    else {
      rc = xb_spice_netlist(a, &no, df, err);
      if ((fclose(df) != 0 || !buf) && !rc)
        rc = xb__err(err, XB_ENOMEM, "write deck");
      if (rc)
        free(buf);
      else
        *out = buf;
    }
  }
  for (size_t i = 0; i < n; i++)
    xb_array_set_line(a, XB_ROW, i, &rows[i], NULL);
  for (size_t j = 0; j < m; j++)
    xb_array_set_line(a, XB_COL, j, &cols[j], NULL);
  free(rows);
  free(cols);
  free(tail);
  return rc;
}

char *xb_spice_write_netlist(xb_array *a, xb_cells *c,
                             const xb_write_params *p, const int *r,
                             const int *z, const xb_spice_write_opts *o,
                             xb_err *err)
{
  char *deck;
  build_deck(a, c, p, r, z, o, &deck, err);
  return deck;
}

int xb_spice_write_run(xb_spice *s, xb_array *a, xb_cells *c,
                       const xb_write_params *p, const int *r, const int *z,
                       const xb_spice_write_opts *o, double *x_out,
                       double *g_out, xb_err *err)
{
  if (!s)
    return xb__err(err, XB_EINVAL, "NULL runner");
  char *deck;
  int rc = build_deck(a, c, p, r, z, o, &deck, err);
  if (rc)
    return rc;
  rc = xb_spice_load(s, deck, err);
  free(deck);
  if (!rc)
    rc = xb_spice_run(s, err);
  if (rc)
    return rc;
  size_t n = xb_array_rows(a), m = xb_array_cols(a);
  const xb_device *d = xb_cells_device(c);
  double gmin, gmax, L = levels_of(d);
  xb_device_bounds(d, &gmin, &gmax);
  double *x = malloc(n * m * sizeof(double)), *buf = NULL;
  if (!x)
    return xb__err(err, XB_ENOMEM, "cell states");
  for (size_t k = 0; k < n * m && !rc; k++) {
    char name[64];
    size_t len = 0;
    snprintf(name, sizeof name, "v(xs%zu_%zu)", k / m, k % m);
    rc = xb_spice_vec(s, name, NULL, 0, &len, err);
    if (!rc && len == 0)
      rc = xb__err(err, XB_EDATA, "vector %s is empty", name);
    if (!rc) {
      double *nb = realloc(buf, len * sizeof(double));
      if (!nb)
        rc = xb__err(err, XB_ENOMEM, "vector %s", name);
      else
        buf = nb;
    }
    if (!rc)
      rc = xb_spice_vec(s, name, buf, len, &len, err);
    if (!rc) {
      if (!isfinite(buf[len - 1]))
        rc = xb__err(err, XB_EDATA, "vector %s ends in %g", name,
                     buf[len - 1]);
      x[k] = fmin(fmax(buf[len - 1], 0.0), L);
    }
  }
  if (!rc)
    for (size_t k = 0; k < n * m; k++) {
      if (x_out)
        x_out[k] = x[k];
      if (g_out)
        g_out[k] = gmin + (gmax - gmin) * x[k] / L;
    }
  free(x);
  free(buf);
  return rc;
}
