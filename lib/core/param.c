/*
 * Generic parameter-set operations (see xbar/param.h): defaults, range
 * checks, parsing one `key = value`, reading .ini files through libinih, and
 * the printed description. Everything here is driven by the row tables that
 * XB_PARAM_SET_DEFINE generates from each set's single X-macro list.
 *
 * .ini reading is atomic: values go into scratch copies of the target
 * structs, and only when the whole file parsed and every set passed its
 * checks are the copies written back.
 */
#include <ini.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xbar/param.h>

#include "core_impl.h"

static void *field_ptr(const xb_param_row *row, void *p)
{
  return (char *)p + row->offset;
}

double xb_param_get(const xb_param_row *row, const void *p)
{
  const char *f = (const char *)p + row->offset;
  if (row->kind == XB_PARAM_INT)
    return (double)*(const int *)f;
  return *(const double *)f;
}

static void put(const xb_param_row *row, void *p, double v)
{
  if (row->kind == XB_PARAM_INT)
    *(int *)field_ptr(row, p) = (int)v;
  else
    *(double *)field_ptr(row, p) = v;
}

void xb_param_defaults(const xb_param_set *set, void *p)
{
  for (size_t i = 0; i < set->nrows; i++)
    put(&set->rows[i], p, set->rows[i].def);
}

const xb_param_row *xb_param_find(const xb_param_set *set, const char *key)
{
  for (size_t i = 0; i < set->nrows; i++)
    if (strcmp(set->rows[i].name, key) == 0)
      return &set->rows[i];
  return NULL;
}

/* Range check of one value; labels the error with file/line when given. */
static int check_value(const xb_param_set *set, const xb_param_row *row,
                       double v, const char *file, int line, xb_err *err)
{
  if (!isfinite(v))
    return xb__err_set(err, XB_ENAN, file, line, row->name, row->lo, row->hi,
                       "[%s] %s = %g is not finite; allowed [%g, %g] %s",
                       set->name, row->name, v, row->lo, row->hi, row->unit);
  if (v < row->lo || v > row->hi)
    return xb__err_set(err, XB_ERANGE, file, line, row->name, row->lo,
                       row->hi, "[%s] %s = %g outside [%g, %g] %s", set->name,
                       row->name, v, row->lo, row->hi, row->unit);
  return XB_OK;
}

int xb_param_check(const xb_param_set *set, const void *p, xb_err *err)
{
  if (!set || !p)
    return xb__err(err, XB_EINVAL, "NULL parameter set or struct");
  for (size_t i = 0; i < set->nrows; i++) {
    int rc = check_value(set, &set->rows[i], xb_param_get(&set->rows[i], p),
                         NULL, 0, err);
    if (rc)
      return rc;
  }
  return set->check ? set->check(p, err) : XB_OK;
}

int xb_param_set_text(const xb_param_set *set, void *p, const char *key,
                      const char *text, const char *file, int line,
                      xb_err *err)
{
  const xb_param_row *row = xb_param_find(set, key);
  if (!row)
    return xb__err_set(err, XB_EKEY, file, line, key, NAN, NAN,
                       "[%s] has no parameter '%s'", set->name, key);
  char *end = NULL;
  double v = strtod(text, &end);
  while (end && (*end == ' ' || *end == '\t'))
    end++;
  if (end == text || !end || *end != '\0')
    return xb__err_set(err, XB_ESYNTAX, file, line, row->name, row->lo,
                       row->hi, "[%s] %s = '%s' is not a number", set->name,
                       row->name, text);
  if (row->kind == XB_PARAM_INT && isfinite(v) &&
      (v != floor(v) || fabs(v) > (double)INT32_MAX))
    return xb__err_set(err, XB_ESYNTAX, file, line, row->name, row->lo,
                       row->hi, "[%s] %s = '%s' is not a whole number",
                       set->name, row->name, text);
  int rc = check_value(set, row, v, file, line, err);
  if (rc)
    return rc;
  put(row, p, v);
  return XB_OK;
}

/* ---- .ini reading ------------------------------------------------------ */

struct ini_ctx {
  const char *path;
  FILE *fp;
  int line;                 /* lines handed to inih so far */
  const xb_ini_binding *b;
  size_t nb;
  void **scratch;           /* one copy per binding */
  unsigned char **seen;     /* per binding, per row: key given already */
  xb_ini_text_fn text_fn;
  void *user;
  xb_err *err;
  int code;                 /* first error, 0 if none */
  int code_line;
};

/* inih stream reader that counts lines, so errors carry their line. */
static char *counting_reader(char *str, int num, void *stream)
{
  struct ini_ctx *c = stream;
  char *r = fgets(str, num, c->fp);
  if (r)
    c->line++;
  return r;
}

static int on_ini_key(void *user, const char *section, const char *key,
                       const char *value)
{
  struct ini_ctx *c = user;
  if (c->code)
    return 0; /* keep the first error only */
  int rc = XB_EKEY, matched = 0;
  for (size_t i = 0; i < c->nb && !matched; i++) {
    if (strcmp(section, c->b[i].section) != 0)
      continue;
    matched = 1;
    const xb_param_row *row = xb_param_find(c->b[i].set, key);
    if (row && c->seen[i][row - c->b[i].set->rows]) {
      rc = xb__err_set(c->err, XB_ESYNTAX, c->path, c->line, key, NAN, NAN,
                       "[%s] %s is given twice", section, key);
    } else {
      rc = xb_param_set_text(c->b[i].set, c->scratch[i], key, value, c->path,
                             c->line, c->err);
      if (rc == XB_OK)
        c->seen[i][row - c->b[i].set->rows] = 1;
    }
  }
  if (!matched) {
    rc = c->text_fn ? c->text_fn(c->user, section, key, value, c->path,
                                 c->line, c->err)
                    : XB_EKEY;
    if (rc == XB_EKEY)
      rc = xb__err_set(c->err, XB_EKEY, c->path, c->line, key, NAN, NAN,
                       "unknown key '%s' in section [%s]", key, section);
  }
  if (rc) {
    c->code = rc;
    c->code_line = c->line;
    return 0;
  }
  return 1;
}

int xb_ini_read(const char *path, const xb_ini_binding *bindings, size_t nb,
                xb_ini_text_fn text_fn, void *user, xb_err *err)
{
  if (!path || (nb && !bindings))
    return xb__err(err, XB_EINVAL, "NULL path or bindings");
  struct ini_ctx c = {0};
  c.path = path;
  c.b = bindings;
  c.nb = nb;
  c.text_fn = text_fn;
  c.user = user;
  c.err = err;
  int rc = XB_OK;

  c.scratch = calloc(nb ? nb : 1, sizeof *c.scratch);
  c.seen = calloc(nb ? nb : 1, sizeof *c.seen);
  if (!c.scratch || !c.seen) {
    rc = xb__err(err, XB_ENOMEM, "reading %s", path);
    goto done;
  }
  for (size_t i = 0; i < nb; i++) {
    c.scratch[i] = malloc(bindings[i].set->size);
    c.seen[i] = calloc(bindings[i].set->nrows + 1, 1);
    if (!c.scratch[i] || !c.seen[i]) {
      rc = xb__err(err, XB_ENOMEM, "reading %s", path);
      goto done;
    }
    memcpy(c.scratch[i], bindings[i].p, bindings[i].set->size);
  }

  c.fp = fopen(path, "r");
  if (!c.fp) {
    rc = xb__err_set(err, XB_EIO, path, 0, NULL, NAN, NAN, "cannot open");
    goto done;
  }
  int r = ini_parse_stream(counting_reader, &c, on_ini_key, &c);
  if (ferror(c.fp)) {
    rc = xb__err_set(err, XB_EIO, path, c.line, NULL, NAN, NAN, "read error");
    goto done;
  }
  if (r == -2) {
    rc = xb__err(err, XB_ENOMEM, "reading %s", path);
    goto done;
  }
  /* inih reports the first bad line; a malformed line (no '=' or an
   * unclosed [section) never reaches the handler, so a reported line before
   * the handler's first error is a syntax error. */
  if (r > 0 && (!c.code || r < c.code_line)) {
    rc = xb__err_set(err, XB_ESYNTAX, path, r, NULL, NAN, NAN,
                     "expected '[section]' or 'key = value'");
    goto done;
  }
  if (c.code) {
    rc = c.code;
    goto done;
  }
  for (size_t i = 0; i < nb; i++) {
    rc = xb_param_check(bindings[i].set, c.scratch[i], err);
    if (rc) {
      xb__err_prefix(err, path, "%s", path);
      goto done;
    }
  }
  for (size_t i = 0; i < nb; i++)
    memcpy(bindings[i].p, c.scratch[i], bindings[i].set->size);

done:
  if (c.fp)
    fclose(c.fp);
  for (size_t i = 0; c.scratch && i < nb; i++)
    free(c.scratch[i]);
  for (size_t i = 0; c.seen && i < nb; i++)
    free(c.seen[i]);
  free(c.scratch);
  free(c.seen);
  return rc;
}

int xb_param_read(const xb_param_set *set, void *p, const char *path,
                  const char *section, xb_err *err)
{
  if (!set || !p)
    return xb__err(err, XB_EINVAL, "NULL parameter set or struct");
  xb_ini_binding b = {section ? section : set->name, set, p};
  return xb_ini_read(path, &b, 1, NULL, NULL, err);
}

/* ---- description -------------------------------------------------------- */

size_t xb_param_describe(const xb_param_set *set, const void *p, char *buf,
                         size_t n)
{
  size_t need = 0;
  void *tmp = NULL;
  if (!p) {
    tmp = malloc(set->size);
    if (!tmp)
      return 0;
    xb_param_defaults(set, tmp);
    p = tmp;
  }
  int w = snprintf(buf, n, "[%s]\n", set->name);
  need += (size_t)(w > 0 ? w : 0);
  for (size_t i = 0; i < set->nrows; i++) {
    const xb_param_row *r = &set->rows[i];
    char *dst = (buf && need < n) ? buf + need : NULL;
    size_t room = (buf && need < n) ? n - need : 0;
    w = snprintf(dst, room, "%-12s = %-12.6g %-7s [%g, %g]  %s\n", r->name,
                 xb_param_get(r, p), r->unit, r->lo, r->hi, r->desc);
    need += (size_t)(w > 0 ? w : 0);
  }
  free(tmp);
  return need;
}
