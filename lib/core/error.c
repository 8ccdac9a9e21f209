/*
 * Status messages and error detail (see xbar/error.h). The message table is
 * generated from XB_STATUS_LIST, so adding a code is a one-line change.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core_impl.h"

struct xb__status_row {
  int code;
  const char *name;
  const char *msg;
};

#define XB__STATUS_ROW(name, value, msg) {value, #name, msg},
static const struct xb__status_row xb__status_rows[] = {
    XB_STATUS_LIST(XB__STATUS_ROW)};
#undef XB__STATUS_ROW

static const struct xb__status_row *find_row(int code)
{
  size_t n = sizeof xb__status_rows / sizeof xb__status_rows[0];
  for (size_t i = 0; i < n; i++)
    if (xb__status_rows[i].code == code)
      return &xb__status_rows[i];
  return NULL;
}

const char *xb_strerror(int code)
{
  const struct xb__status_row *r = find_row(code);
  return r ? r->msg : "unknown status";
}

const char *xb_status_name(int code)
{
  const struct xb__status_row *r = find_row(code);
  return r ? r->name : "XB_UNKNOWN";
}

void xb_err_clear(xb_err *err)
{
  if (!err)
    return;
  memset(err, 0, sizeof *err);
  err->lo = NAN;
  err->hi = NAN;
}

static void copy_str(char *dst, size_t n, const char *src)
{
  if (!src) {
    dst[0] = '\0';
    return;
  }
  snprintf(dst, n, "%s", src);
}

static int err_vset(xb_err *err, int code, const char *file, int line,
                    const char *param, double lo, double hi, const char *fmt,
                    va_list ap)
{
  if (!err)
    return code;
  char body[384];
  vsnprintf(body, sizeof body, fmt, ap);
  xb_err_clear(err);
  err->code = code;
  copy_str(err->file, sizeof err->file, file);
  copy_str(err->param, sizeof err->param, param);
  err->line = line;
  err->lo = lo;
  err->hi = hi;
  if (file && line > 0)
    snprintf(err->msg, sizeof err->msg, "%s:%d: %s: %s", file, line,
             xb_strerror(code), body);
  else if (file)
    snprintf(err->msg, sizeof err->msg, "%s: %s: %s", file, xb_strerror(code),
             body);
  else
    snprintf(err->msg, sizeof err->msg, "%s: %s", xb_strerror(code), body);
  return code;
}

int xb__err_set(xb_err *err, int code, const char *file, int line,
                const char *param, double lo, double hi, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  err_vset(err, code, file, line, param, lo, hi, fmt, ap);
  va_end(ap);
  return code;
}

int xb__err(xb_err *err, int code, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  err_vset(err, code, NULL, 0, NULL, NAN, NAN, fmt, ap);
  va_end(ap);
  return code;
}

int xb__err_prefix(xb_err *err, const char *file, const char *fmt, ...)
{
  if (!err)
    return XB_OK;
  char pre[256], old[sizeof err->msg];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(pre, sizeof pre, fmt, ap);
  va_end(ap);
  memcpy(old, err->msg, sizeof old);
  int w = snprintf(err->msg, sizeof err->msg, "%s: ", pre);
  if (w > 0 && (size_t)w < sizeof err->msg)
    snprintf(err->msg + w, sizeof err->msg - (size_t)w, "%s", old);
  if (file && !err->file[0])
    copy_str(err->file, sizeof err->file, file);
  return err->code;
}
