/*
 * Netlist writer: the crossbar network of an xb_array as a SPICE deck.
 *
 * The deck is the nodal model of xbar/array.h element for element, so that
 * ngspice solves exactly the system the array solver solves:
 *
 *   rr<i>_<j>  r<i>_<j> r<i>_<j+1>  row wire segment j of row i
 *   rc<i>_<j>  c<i>_<j> c<i+1>_<j>  column wire segment i of column j
 *   cell (i, j) between r<i>_<j> and c<i>_<j>    (cell type, default R=1/g)
 *   rsrow<i>n  r<i>_0 sr<i>n  r    +  vrow<i>n sr<i>n 0 dc v   (near end)
 *   rsrow<i>f  r<i>_<M-1> sr<i>f r +  vrow<i>f sr<i>f 0 dc v   (far end)
 *   and the same for columns with c0_<j> / c<N-1>_<j>, rscol / vcol.
 *
 * Floating lines get no source. Wire and line resistances are written as
 * the array stores them (Ohm), cells as 1/g; every number with %.17g, so
 * ngspice reads back the same doubles. The cell elements are the only part
 * that depends on the device model and go through an xb_spice_cell_type:
 * a transient RRAM model adds its own type (a B-source whose current
 * depends on a state capacitor, with a .subckt in its preamble) and an
 * analysis card, with no change here.
 *
 * Workload: decks of up to a few thousand elements for ngspice
 * cross-checks (ngspice itself is the limit, see xbar/spice.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xbar/spice.h>

#include "../array/array_view.h"
#include "../core/core_impl.h"

/* ---- resistor cells ---------------------------------------------------- */

static int resistor_cell(FILE *f, const xb_array *a, size_t i, size_t j,
                         const char *row_node, const char *col_node, double g,
                         void *ctx, xb_err *err)
{
  if (g == 0) /* open cell: no element */
    return XB_OK;
  if (!(g > 0) || !isfinite(g))
    return xb__err(err, XB_EINVAL, "cell (%zu, %zu): conductance %g S", i, j,
                   g);
  fprintf(f, "rx%zu_%zu %s %s %.17g\n", i, j, row_node, col_node, 1.0 / g);
  return XB_OK;
}

static const xb_spice_cell_type resistor_type = {
    .name = "resistor",
    .preamble = NULL,
    .cell = resistor_cell,
};
const xb_spice_cell_type *const xb_spice_cell_resistor = &resistor_type;

/* ---- writer -------------------------------------------------------------- */

void xb_spice_netlist_opts_default(xb_spice_netlist_opts *o)
{
  if (o)
    memset(o, 0, sizeof *o);
}

static const char *mode_name(int mode)
{
  return mode == XB_LINE_DRIVE ? "drive" : mode == XB_LINE_SENSE ? "sense"
                                                                  : "float";
}

/* Source behind the line resistance at one end of line k. */
static void write_source(FILE *f, int axis, size_t k, int end,
                         const xb_line *l, const char *node)
{
  const char *what = axis == XB_ROW ? "row" : "col";
  char e = end == XB_END_NEAR ? 'n' : 'f';
  char s = axis == XB_ROW ? 'r' : 'c';
  fprintf(f, "rs%s%zu%c %s s%c%zu%c %.17g\n", what, k, e, node, s, k, e,
          l->r);
  fprintf(f, "v%s%zu%c s%c%zu%c 0 dc %.17g\n", what, k, e, s, k, e, l->v);
}

/* The comment naming line k's mode, then its sources. */
static void write_line(FILE *f, const xb_array *a, int axis, size_t k)
{
  xb_line l;
  xb_array_get_line(a, axis, k, &l);
  fprintf(f, "* %s %zu: %s\n", axis == XB_ROW ? "row" : "column", k,
          mode_name(l.mode));
  if (l.mode == XB_LINE_FLOAT)
    return;
  size_t last = axis == XB_ROW ? xb_array_cols(a) - 1 : xb_array_rows(a) - 1;
  char node[64];
  if (l.ends & XB_END_NEAR) {
    if (axis == XB_ROW)
      snprintf(node, sizeof node, "r%zu_0", k);
    else
      snprintf(node, sizeof node, "c0_%zu", k);
    write_source(f, axis, k, XB_END_NEAR, &l, node);
  }
  if (l.ends & XB_END_FAR) {
    if (axis == XB_ROW)
      snprintf(node, sizeof node, "r%zu_%zu", k, last);
    else
      snprintf(node, sizeof node, "c%zu_%zu", last, k);
    write_source(f, axis, k, XB_END_FAR, &l, node);
  }
}

int xb_spice_netlist(const xb_array *a, const xb_spice_netlist_opts *o,
                     FILE *f, xb_err *err)
{
  if (!a || !f)
    return xb__err(err, XB_EINVAL, "NULL array or file");
  xb_spice_netlist_opts def;
  if (!o) {
    xb_spice_netlist_opts_default(&def);
    o = &def;
  }
  const xb_spice_cell_type *ct = o->cell ? o->cell : xb_spice_cell_resistor;
  if (!ct->cell)
    return xb__err(err, XB_EINVAL, "cell type '%s' has no cell writer",
                   ct->name ? ct->name : "?");
  if (o->title && strpbrk(o->title, "\r\n"))
    return xb__err(err, XB_EINVAL, "netlist title must be one line");
  if (ct == xb_spice_cell_resistor && xb__array_nonlinear(a))
    return xb__err(err, XB_EINVAL,
                   "the cells have a nonlinear I-V: resistor cells would "
                   "not be the network xbar solves (use a behavioral cell "
                   "type)");
  size_t n = xb_array_rows(a), m = xb_array_cols(a);
  const xb_cells *cells = xb__array_cells(a);
  const double *g = cells ? xb_cells_g(cells) : xb_array_g(a);

  if (o->title)
    fprintf(f, "%s\n", o->title);
  else
    fprintf(f, "xbar crossbar %zu x %zu\n", n, m);
  fprintf(f, "* Written by xb_spice_netlist: nodes r<i>_<j> (rows), "
             "c<i>_<j> (columns);\n"
             "* near end = column 0 of a row, row 0 of a column. Units: "
             "Ohm, V.\n");
  int rc = XB_OK;
  if (ct->preamble) {
    fprintf(f, "* cells: %s\n", ct->name ? ct->name : "?");
    rc = ct->preamble(f, a, o->cell_ctx, err);
    if (rc)
      return rc;
  }

  fprintf(f, "* row wire segments\n");
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j + 1 < m; j++)
      fprintf(f, "rr%zu_%zu r%zu_%zu r%zu_%zu %.17g\n", i, j, i, j, i, j + 1,
              xb__array_rw(a, XB_ROW, i, j));
  fprintf(f, "* column wire segments\n");
  for (size_t i = 0; i + 1 < n; i++)
    for (size_t j = 0; j < m; j++)
      fprintf(f, "rc%zu_%zu c%zu_%zu c%zu_%zu %.17g\n", i, j, i, j, i + 1, j,
              xb__array_rw(a, XB_COL, i, j));

  fprintf(f, "* cells (%s)\n", ct->name ? ct->name : "?");
  for (size_t i = 0; i < n && !rc; i++)
    for (size_t j = 0; j < m && !rc; j++) {
      char rn[48], cn[48];
      snprintf(rn, sizeof rn, "r%zu_%zu", i, j);
      snprintf(cn, sizeof cn, "c%zu_%zu", i, j);
      rc = ct->cell(f, a, i, j, rn, cn, g[i * m + j], o->cell_ctx, err);
    }
  if (rc)
    return rc;

  fprintf(f, "* line sources (current into v...#branch = line current)\n");
  for (size_t i = 0; i < n; i++)
    write_line(f, a, XB_ROW, i);
  for (size_t j = 0; j < m; j++)
    write_line(f, a, XB_COL, j);
  fprintf(f, "%s\n.end\n", o->analysis ? o->analysis : ".op");
  if (fflush(f) != 0 || ferror(f))
    return xb__err(err, XB_EIO, "writing the netlist failed");
  return XB_OK;
}

char *xb_spice_netlist_string(const xb_array *a,
                              const xb_spice_netlist_opts *o, xb_err *err)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (!f) {
    xb__err(err, XB_ENOMEM, "netlist buffer");
    return NULL;
  }
  int rc = xb_spice_netlist(a, o, f, err);
  if (fclose(f) != 0 && !rc)
    rc = xb__err(err, XB_ENOMEM, "netlist buffer");
  if (rc) {
    free(buf);
    return NULL;
  }
  return buf;
}

int xb_spice_branch_name(int axis, size_t k, int end, char *buf, size_t n)
{
  if ((axis != XB_ROW && axis != XB_COL) ||
      (end != XB_END_NEAR && end != XB_END_FAR)) {
    if (buf && n)
      buf[0] = '\0';
    return XB_EINVAL;
  }
  int w = snprintf(buf, n, "v%s%zu%c#branch", axis == XB_ROW ? "row" : "col",
                   k, end == XB_END_NEAR ? 'n' : 'f');
  return w >= 0 && (size_t)w < n ? XB_OK : XB_ESIZE;
}
