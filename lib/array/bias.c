/*
 * Reads and write biasing of the array (xb_array_read, xb_array_bias_write):
 * each builds the line settings of one operation, a read with one axis
 * driven and the other sensed, or the V/2 write with every line driven,
 * and solves with them. Failure is atomic: the previous line settings come
 * back when a setting or the solve fails. It changes the array only
 * through the public set-line and solve calls.
 */
#include <stdlib.h>
#include <string.h>

#include "array_impl.h"

/* Room for the settings of every row and every column. */
static int alloc_lines(const xb_array *a, xb_line **rows, xb_line **cols,
                       xb_err *err)
{
  *rows = malloc(a->n * sizeof(xb_line));
  *cols = malloc(a->m * sizeof(xb_line));
  if (*rows && *cols)
    return XB_OK;
  free(*rows);
  free(*cols);
  *rows = *cols = NULL;
  return xb__err(err, XB_ENOMEM, "line settings");
}

/* Apply the given boundary conditions to every line and solve; on failure
 * the previous ones are restored, so a failed read or write bias leaves the
 * array as it was. */
static int with_lines_restored(xb_array *a, xb_line *rows, xb_line *cols,
                               xb_err *err)
{
  xb_line *old_r, *old_c;
  int rc = alloc_lines(a, &old_r, &old_c, err);
  if (rc)
    return rc;
  memcpy(old_r, a->row, a->n * sizeof(xb_line));
  memcpy(old_c, a->col, a->m * sizeof(xb_line));
  for (size_t i = 0; i < a->n && !rc; i++)
    rc = xb_array_set_line(a, XB_ROW, i, &rows[i], err);
  for (size_t j = 0; j < a->m && !rc; j++)
    rc = xb_array_set_line(a, XB_COL, j, &cols[j], err);
  if (!rc)
    rc = xb_array_solve(a, err);
  if (rc) {
    for (size_t i = 0; i < a->n; i++)
      xb_array_set_line(a, XB_ROW, i, &old_r[i], NULL);
    for (size_t j = 0; j < a->m; j++)
      xb_array_set_line(a, XB_COL, j, &old_c[j], NULL);
  }
  free(old_r);
  free(old_c);
  return rc;
}

int xb_array_read(xb_array *a, int in_axis, const double *v_in,
                  const unsigned char *active, int unselected, double v_bias,
                  double v_sense, double *out, xb_err *err)
{
  if (!a || !v_in || !out || (in_axis != XB_ROW && in_axis != XB_COL))
    return xb__err(err, XB_EINVAL, "NULL argument or bad axis");
  if (unselected != XB_LINE_FLOAT && unselected != XB_LINE_DRIVE)
    return xb__err(err, XB_EINVAL,
                   "unselected lines must float or be driven at a bias");
  int out_axis = 1 - in_axis;
  xb_line *rows, *cols;
  int rc = alloc_lines(a, &rows, &cols, err);
  if (rc)
    return rc;
  xb_line *in = in_axis == XB_ROW ? rows : cols;
  xb_line *outl = in_axis == XB_ROW ? cols : rows;
  size_t nin = in_axis == XB_ROW ? a->n : a->m;
  size_t nout = in_axis == XB_ROW ? a->m : a->n;
  for (size_t k = 0; k < nin; k++) {
    if (!active || active[k])
      xb__default_line(a, in_axis, XB_LINE_DRIVE, v_in[k], &in[k]);
    else if (unselected == XB_LINE_DRIVE)
      xb__default_line(a, in_axis, XB_LINE_DRIVE, v_bias, &in[k]);
    else
      xb__default_line(a, in_axis, XB_LINE_FLOAT, 0.0, &in[k]);
  }
  for (size_t k = 0; k < nout; k++)
    xb__default_line(a, out_axis, XB_LINE_SENSE, v_sense, &outl[k]);
  rc = with_lines_restored(a, rows, cols, err);
  if (!rc)
    rc = xb_array_line_i(a, out_axis, out);
  free(rows);
  free(cols);
  return rc;
}

int xb_array_bias_write(xb_array *a, const double *v_row, const double *v_col,
                        xb_err *err)
{
  if (!a || !v_row || !v_col)
    return xb__err(err, XB_EINVAL, "NULL argument");
  xb_line *rows, *cols;
  int rc = alloc_lines(a, &rows, &cols, err);
  for (size_t i = 0; !rc && i < a->n; i++)
    xb__default_line(a, XB_ROW, XB_LINE_DRIVE, v_row[i], &rows[i]);
  for (size_t j = 0; !rc && j < a->m; j++)
    xb__default_line(a, XB_COL, XB_LINE_DRIVE, v_col[j], &cols[j]);
  if (!rc)
    rc = with_lines_restored(a, rows, cols, err);
  free(rows);
  free(cols);
  return rc;
}
