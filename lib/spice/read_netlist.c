/*
 * The integrate-and-fire array read as an ngspice behavioral deck (see
 * xbar/spice_read.h for the circuit, the initial state and the spike
 * count).
 *
 * The array part reuses xb_spice_netlist unchanged: the input lines are set
 * on the array as xb_array_read would set them, the sensed lines are set
 * floating (so the writer gives them no source), and a cell type writes
 * each cell as 1/g in parallel with cr plus the wire capacitance cw of the
 * cell's row node and column node (each node of the array belongs to
 * exactly one cell, so every node gets one cw). The read circuits, the
 * initial conditions, the options, the saved vectors and the .tran card go
 * into the writer's "analysis" text, which ngspice reads like any other
 * lines of the deck. The array's line settings are restored afterwards.
 *
 * Names (all lowercase; none collides with the writer's, see xbar/spice.h):
 *   cwr<i>_<j>, cwc<i>_<j>  wire capacitance of row / column node (i, j)
 *   cx<i>_<j>               cell capacitance
 *   cint<k>                 integration capacitance of sensed line k
 *   ecmp<k>, tdel<k>, rdel<k>  copy of V(X) (node xbd<k>), delay line,
 *                           its Z0 load (node xbt<k>: V(X) delayed)
 *   eamp<k>                 comparator gain K about V_reset (node xbq<k>,
 *                           the switch control, mirrored for polarity -1)
 *   sres<k>, vsw<k>         reset switch (model xbsw) and the 0 V source
 *                           in series (node xbm<k>) that measures its
 *                           current
 *   vxbreset                V_reset source (node xbvrs)
 *
 * Workload: one deck per call, arrays up to about 32 x 32 (ngspice is the
 * limit, xbar/spice_read.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xbar/spice_read.h>

#include "../array/array_view.h"
#include "../core/core_impl.h"

/* Maximum time step = window / STEPS_PER_WINDOW (1 ps for a 4 ns window,
 * about 1/200 of the fastest spike period in the 1-8 uA range). */
#define STEPS_PER_WINDOW 4000.0
/* Z0 of the delay line (any value: it is driven by an ideal source and
 * terminated in Z0, so it only delays). */
#define DELAY_Z0 1000.0
/* Gain of the comparator input: the switch sees K (V(X) - V_reset). The
 * switch's own time-step control (SWtrunc) lets each step approach the
 * threshold by 75% of the remaining distance plus 50 mV of control
 * voltage: with K = 1 that allowance exceeds the whole 30 mV swing and
 * the edges fall anywhere within a maximum step; with K = 1e4 it is 5 uV
 * at the node, a few femtoseconds. */
#define COMPARATOR_GAIN 1e4
/* Off resistance of the reset switch (1 / ngspice's default gmin). */
#define SWITCH_ROFF 1e12

/* ---- cells with their capacitances ------------------------------------- */

static int rc_cell(FILE *f, const xb_array *a, size_t i, size_t j,
                   const char *row_node, const char *col_node, double g,
                   void *ctx, xb_err *err)
{
  (void)a;
  const xb_transient_params *tp = ctx;
  if (!(g >= 0) || !isfinite(g))
    return xb__err(err, XB_EINVAL, "cell (%zu, %zu): conductance %g S", i, j,
                   g);
  if (g > 0)
    fprintf(f, "rx%zu_%zu %s %s %.17g\n", i, j, row_node, col_node, 1.0 / g);
  if (tp->cr > 0)
    fprintf(f, "cx%zu_%zu %s %s %.17g\n", i, j, row_node, col_node, tp->cr);
  fprintf(f, "cwr%zu_%zu %s 0 %.17g\ncwc%zu_%zu %s 0 %.17g\n", i, j,
          row_node, tp->cw, i, j, col_node, tp->cw);
  return XB_OK;
}

static const xb_spice_cell_type rc_cell_type = {
    .name = "resistor || cr, cw at both nodes",
    .preamble = NULL,
    .cell = rc_cell,
};

/* ---- the deck ---------------------------------------------------------- */

/* Node of the integration capacitor of sensed line k. */
static void sense_node(const xb_array *a, int in_axis, size_t k, char *buf,
                       size_t n)
{
  if (in_axis == XB_ROW) /* columns sensed at row N-1 */
    snprintf(buf, n, "c%zu_%zu", xb_array_rows(a) - 1, k);
  else /* rows sensed at column M-1 */
    snprintf(buf, n, "r%zu_%zu", k, xb_array_cols(a) - 1);
}

/* The read circuits, initial conditions and analysis, after the array. */
static void write_read_part(FILE *f, const xb_read_params *p,
                            const xb_array *a, int in_axis,
                            const signed char *polarity,
                            const xb_transient_params *tp)
{
  size_t nout = in_axis == XB_ROW ? xb_array_cols(a) : xb_array_rows(a);
  double K = COMPARATOR_GAIN;
  double vt = K * (0.5 * (p->v_th + p->v_tl) + p->offset - p->v_reset);
  double vh = K * 0.5 * (p->v_th - p->v_tl);
  fprintf(f,
          "* integrate-and-fire read circuits at the far end of each sensed "
          "%s\n"
          "* (xb_spice_read_transient; the sensed lines are written above "
          "as floating)\n"
          ".model xbsw sw vt=%.17g vh=%.17g ron=%.17g roff=%.17g\n"
          "vxbreset xbvrs 0 dc %.17g\n",
          in_axis == XB_ROW ? "column" : "row", vt, vh, p->r_reset,
          SWITCH_ROFF, p->v_reset);
  for (size_t k = 0; k < nout; k++) {
    char x[48];
    sense_node(a, in_axis, k, x, sizeof x);
    int neg = polarity && polarity[k] < 0;
    fprintf(f, "cint%zu %s 0 %.17g\n", k, x, p->c_int);
    /* Comparator: V(X) delayed by t_delay (E buffer into a delay line
     * terminated in Z0), then amplified about V_reset: the switch sees
     * K (V - V_reset), or K (V_reset - V) for a falling input. The delay
     * line carries the node's own waveform, so it only sets breakpoints
     * at the real kinks (a line carrying the amplified signal sets them
     * at every small step near a threshold, and they cascade). */
    const char *vin = x;
    char delayed[48];
    if (p->t_delay > 0) {
      fprintf(f,
              "ecmp%zu xbd%zu 0 %s 0 1\n"
              "tdel%zu xbd%zu 0 xbt%zu 0 z0=%.17g td=%.17g\n"
              "rdel%zu xbt%zu 0 %.17g\n",
              k, k, x, k, k, k, DELAY_Z0, p->t_delay, k, k, DELAY_Z0);
      snprintf(delayed, sizeof delayed, "xbt%zu", k);
      vin = delayed;
    }
    if (neg)
      fprintf(f, "eamp%zu xbq%zu 0 xbvrs %s %.17g\n", k, k, vin, K);
    else
      fprintf(f, "eamp%zu xbq%zu 0 %s xbvrs %.17g\n", k, k, vin, K);
    /* The switch reaches V_reset through a 0 V source whose current
     * tells the switch's state. */
    fprintf(f, "sres%zu %s xbm%zu xbq%zu 0 xbsw\nvsw%zu xbm%zu xbvrs 0\n",
            k, x, k, k, k, k);
  }
  fprintf(f, "* initial state: operating point with the sensed nodes held "
             "at V_reset\n");
  for (size_t k = 0; k < nout; k++) {
    char x[48];
    sense_node(a, in_axis, k, x, sizeof x);
    fprintf(f, ".ic v(%s)=%.17g\n", x, p->v_reset);
  }
  for (size_t k = 0; k < nout; k++) {
    char x[48];
    sense_node(a, in_axis, k, x, sizeof x);
    fprintf(f, ".save v(xbq%zu) v(%s) vsw%zu#branch\n", k, x, k);
  }
  double h = p->window / STEPS_PER_WINDOW;
  fprintf(f,
          ".options method=gear reltol=%.17g abstol=1e-15 vntol=%.17g "
          "chgtol=1e-21\n"
          ".tran %.17g %.17g 0 %.17g",
          tp->rtol, tp->atol, h, p->window, h);
}

/* Check the arguments shared by both entry points. */
static int check_args(const xb_read *r, const xb_array *a, int in_axis,
                      const double *v_in, int unselected, double v_bias,
                      const signed char *polarity,
                      const xb_transient_params *tp, xb_err *err)
{
  if (!r || !a || !v_in)
    return xb__err(err, XB_EINVAL, "NULL read circuit, array or input");
  if (in_axis != XB_ROW && in_axis != XB_COL)
    return xb__err(err, XB_EINVAL, "bad input axis %d", in_axis);
  if (unselected != XB_LINE_FLOAT && unselected != XB_LINE_DRIVE)
    return xb__err(err, XB_EINVAL,
                   "unselected lines must float or be driven at a bias");
  const xb_read_params *p = xb_read_params_of(r);
  if (p->atb_dv > 0)
    return xb__err_set(err, XB_EINVAL, NULL, 0, "atb_dv", 0, 0,
                       "the ngspice read deck has no ATB (a threshold that "
                       "depends on the input current): use atb_dv = 0 or "
                       "the differential circuit");
  if (xb__array_nonlinear(a))
    return xb__err(err, XB_EINVAL,
                   "the cells have a nonlinear I-V: the read deck writes "
                   "resistor cells");
  size_t n = xb_array_rows(a), m = xb_array_cols(a);
  size_t nin = in_axis == XB_ROW ? n : m;
  size_t nout = in_axis == XB_ROW ? m : n;
  for (size_t k = 0; k < nin; k++)
    if (!isfinite(v_in[k]))
      return xb__err(err, XB_EINVAL, "v_in[%zu] = %g is not finite", k,
                     v_in[k]);
  if (unselected == XB_LINE_DRIVE && !isfinite(v_bias))
    return xb__err(err, XB_EINVAL, "v_bias = %g is not finite", v_bias);
  for (size_t k = 0; polarity && k < nout; k++)
    if (polarity[k] != 1 && polarity[k] != -1)
      return xb__err(err, XB_EINVAL, "polarity[%zu] = %d (must be +1 or -1)",
                     k, polarity[k]);
  return tp ? xb_param_check(&xb_transient_param_set, tp, err) : XB_OK;
}

/* Saved line settings of an array. */
typedef struct saved_lines {
  xb_line *row, *col;
} saved_lines;

static int save_lines(const xb_array *a, saved_lines *s, xb_err *err)
{
  size_t n = xb_array_rows(a), m = xb_array_cols(a);
  s->row = malloc(n * sizeof(xb_line));
  s->col = malloc(m * sizeof(xb_line));
  if (!s->row || !s->col) {
    free(s->row);
    free(s->col);
    s->row = s->col = NULL;
    return xb__err(err, XB_ENOMEM, "line settings");
  }
  for (size_t i = 0; i < n; i++)
    xb_array_get_line(a, XB_ROW, i, &s->row[i]);
  for (size_t j = 0; j < m; j++)
    xb_array_get_line(a, XB_COL, j, &s->col[j]);
  return XB_OK;
}

static void restore_lines(xb_array *a, saved_lines *s)
{
  size_t n = xb_array_rows(a), m = xb_array_cols(a);
  for (size_t i = 0; i < n; i++)
    xb_array_set_line(a, XB_ROW, i, &s->row[i], NULL);
  for (size_t j = 0; j < m; j++)
    xb_array_set_line(a, XB_COL, j, &s->col[j], NULL);
  free(s->row);
  free(s->col);
}

/* The read's line settings: inputs as xb_array_read, sensed lines floating
 * (their read circuits are written separately). */
static int set_read_lines(xb_array *a, int in_axis, const double *v_in,
                          const unsigned char *active, int unselected,
                          double v_bias, xb_err *err)
{
  size_t nin = in_axis == XB_ROW ? xb_array_rows(a) : xb_array_cols(a);
  size_t nout = in_axis == XB_ROW ? xb_array_cols(a) : xb_array_rows(a);
  int rc = XB_OK;
  for (size_t k = 0; k < nin && !rc; k++) {
    if (!active || active[k])
      rc = xb_array_drive(a, in_axis, k, v_in[k], err);
    else if (unselected == XB_LINE_DRIVE)
      rc = xb_array_drive(a, in_axis, k, v_bias, err);
    else
      rc = xb_array_float(a, in_axis, k, err);
  }
  for (size_t k = 0; k < nout && !rc; k++)
    rc = xb_array_float(a, 1 - in_axis, k, err);
  return rc;
}

char *xb_spice_read_netlist(const xb_read *r, xb_array *a, int in_axis,
                            const double *v_in, const unsigned char *active,
                            int unselected, double v_bias,
                            const signed char *polarity,
                            const xb_transient_params *tp, xb_err *err)
{
  xb_transient_params def;
  if (check_args(r, a, in_axis, v_in, unselected, v_bias, polarity, tp, err))
    return NULL;
  if (!tp) {
    xb_param_defaults(&xb_transient_param_set, &def);
    tp = &def;
  }
  const xb_read_params *p = xb_read_params_of(r);

  /* The read part first, so that a failure leaves the array untouched. */
  char *tail = NULL;
  size_t tail_len = 0;
  FILE *f = open_memstream(&tail, &tail_len);
  if (!f) {
    xb__err(err, XB_ENOMEM, "read deck");
    return NULL;
  }
  write_read_part(f, p, a, in_axis, polarity, tp);
  if (fclose(f) != 0 || !tail) {
    free(tail);
    xb__err(err, XB_ENOMEM, "read deck");
    return NULL;
  }

  saved_lines saved;
  if (save_lines(a, &saved, err)) {
    free(tail);
    return NULL;
  }
  char *deck = NULL;
  char title[160];
  snprintf(title, sizeof title,
           "xbar integrate-and-fire read (%s), %zu x %zu, %s sensed",
           xb_read_type_of(r)->name, xb_array_rows(a), xb_array_cols(a),
           in_axis == XB_ROW ? "columns" : "rows");
  xb_spice_netlist_opts o;
  xb_spice_netlist_opts_default(&o);
  o.cell = &rc_cell_type;
  o.cell_ctx = (void *)tp;
  o.title = title;
  o.analysis = tail;
  if (!set_read_lines(a, in_axis, v_in, active, unselected, v_bias, err))
    deck = xb_spice_netlist_string(a, &o, err);
  restore_lines(a, &saved);
  free(tail);
  return deck;
}

/* ---- running it ---------------------------------------------------------- */

/* Off -> on changes of the reset switch, from the accepted time points:
 * the switch is on where its conductance |i| / |V(X) - V_reset| is above
 * the geometric mean of 1/ron and 1/roff (it is one or the other; where
 * V(X) = V_reset both are 0 and the state is kept). The state is read from
 * the switch itself and not from its control: ngspice decides it inside
 * the Newton iteration, and the accepted control can sit a hair short of
 * the threshold the switch has already crossed. Each edge's time is where
 * the delayed control q crosses von in the step that turned the switch
 * on (the nearer end of the step if it does not cross there). Returns the
 * count; the first `cap` times go to times. */
static int count_edges(const double *t, const double *q, const double *vx,
                       const double *isw, size_t n, double v_reset,
                       double g_mid, double von, double *times, size_t cap)
{
  int on = 0, count = 0;
  for (size_t i = 0; i < n; i++) {
    double dv = fabs(vx[i] - v_reset), ai = fabs(isw[i]);
    int now = dv > 0 ? ai > g_mid * dv : ai > 0 ? 1 : on;
    if (now && !on && i > 0) {
      double te;
      if (q[i - 1] >= von)
        te = t[i - 1];
      else if (q[i] <= von)
        te = t[i];
      else
        te = t[i - 1] +
             (von - q[i - 1]) / (q[i] - q[i - 1]) * (t[i] - t[i - 1]);
      if (times && (size_t)count < cap)
        times[count] = te;
      count++;
    }
    on = now;
  }
  return count;
}

int xb_spice_read_transient(xb_spice *s, const xb_read *r, xb_array *a,
                            int in_axis, const double *v_in,
                            const unsigned char *active, int unselected,
                            double v_bias, const signed char *polarity,
                            const xb_transient_params *tp, int *spikes,
                            double *times, size_t cap, xb_err *err)
{
  if (!s || !spikes)
    return xb__err(err, XB_EINVAL, "NULL runner or spike output");
  xb_err local;
  xb_err *e = err ? err : &local;
  xb_err_clear(e);
  char *deck = xb_spice_read_netlist(r, a, in_axis, v_in, active, unselected,
                                     v_bias, polarity, tp, e);
  if (!deck)
    return e->code ? e->code : XB_ENOMEM;
  int rc = xb_spice_load(s, deck, e);
  free(deck);
  if (!rc)
    rc = xb_spice_run(s, e);
  if (rc)
    return rc;

  const xb_read_params *p = xb_read_params_of(r);
  size_t nout = in_axis == XB_ROW ? xb_array_cols(a) : xb_array_rows(a);
  size_t nt = 0;
  rc = xb_spice_vec(s, "time", NULL, 0, &nt, e);
  if (!rc && nt < 2)
    rc = xb__err(e, XB_EDATA, "ngspice transient has %zu time points", nt);
  if (rc)
    return rc;
  double *t = malloc(nt * sizeof(double));
  double *q = malloc(nt * sizeof(double));
  double *vx = malloc(nt * sizeof(double));
  double *isw = malloc(nt * sizeof(double));
  int *cnt = malloc(nout * sizeof(int));
  double *tm = times && cap ? malloc(nout * cap * sizeof(double)) : NULL;
  if (!t || !q || !vx || !isw || !cnt || (times && cap && !tm))
    rc = xb__err(e, XB_ENOMEM, "transient vectors");
  for (size_t k = 0; tm && k < nout * cap; k++)
    tm[k] = NAN;
  if (!rc)
    rc = xb_spice_vec(s, "time", t, nt, NULL, e);
  double von = COMPARATOR_GAIN * (p->v_th + p->offset - p->v_reset);
  double g_mid = 1.0 / sqrt(p->r_reset * SWITCH_ROFF);
  for (size_t k = 0; k < nout && !rc; k++) {
    char x[48], name[3][64];
    double *dst[3] = {q, vx, isw};
    sense_node(a, in_axis, k, x, sizeof x);
    snprintf(name[0], sizeof name[0], "v(xbq%zu)", k);
    snprintf(name[1], sizeof name[1], "v(%s)", x);
    snprintf(name[2], sizeof name[2], "vsw%zu#branch", k);
    for (int w = 0; w < 3 && !rc; w++) {
      size_t len = 0;
      rc = xb_spice_vec(s, name[w], dst[w], nt, &len, e);
      if (!rc && len != nt)
        rc = xb__err(e, XB_EDATA,
                     "ngspice vector %s has %zu points, time %zu", name[w],
                     len, nt);
    }
    if (!rc)
      cnt[k] = count_edges(t, q, vx, isw, nt, p->v_reset, g_mid, von,
                           tm ? tm + k * cap : NULL, cap);
  }
  if (!rc) {
    memcpy(spikes, cnt, nout * sizeof(int));
    if (tm)
      memcpy(times, tm, nout * cap * sizeof(double));
  }
  free(t);
  free(q);
  free(vx);
  free(isw);
  free(cnt);
  free(tm);
  return rc;
}
