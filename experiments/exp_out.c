/*
 * The outputs of an experiment run (exp_util.h): the folder, the files
 * opened in it (each written under a temporary name, committed together
 * at the end so that a failed run leaves no half-written CSV), the gnuplot
 * plots drawn from them, and the final JSON line, built key by key with
 * each value's own printf format so that its text is what the program has
 * always printed.
 */
#include "exp_util.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static int json_vprint(int spaced, const char *spec, va_list ap);

#define MAX_FILES 16
#define MAX_PLOTS 4

typedef struct plot {
  char script[1100], png[1100], vars[3000];
} plot;

struct xbx_out {
  const char *prog;
  char dir[1024];
  xbx_file *file[MAX_FILES];
  plot plot[MAX_PLOTS];
  int nfile, nplot, failed; /* failed: a plot could not be queued */
};

xbx_out *xbx_out_create(const char *prog, const char *dir)
{
  xbx_out *o = calloc(1, sizeof *o);
  if (!o || strlen(dir) >= sizeof o->dir) {
    fprintf(stderr, "%s: %s\n", prog, o ? "output path too long"
                                        : "out of memory");
    free(o);
    return NULL;
  }
  if (xbx_make_dir(dir, prog)) {
    free(o);
    return NULL;
  }
  o->prog = prog;
  snprintf(o->dir, sizeof o->dir, "%s", dir);
  return o;
}

FILE *xbx_out_open(xbx_out *o, const char *file, const char *head, ...)
{
  char path[1100];
  if (!o)
    return NULL;
  if (o->nfile == MAX_FILES ||
      snprintf(path, sizeof path, "%s/%s", o->dir, file) >= (int)sizeof path) {
    fprintf(stderr, "%s: cannot write %s/%s: %s\n", o->prog, o->dir, file,
            o->nfile == MAX_FILES ? "too many files" : "path too long");
    return NULL;
  }
  xbx_file *f = xbx_file_open(path);
  if (!f)
    return NULL;
  o->file[o->nfile++] = f;
  if (head) {
    va_list ap;
    va_start(ap, head);
    vfprintf(f->fp, head, ap);
    va_end(ap);
  }
  return f->fp;
}

/* snprintf's result n fits in a buffer of size. */
static int fits(int n, size_t size)
{
  return n >= 0 && (size_t)n < size;
}

void xbx_out_plot(xbx_out *o, const char *stem, const char *fmt, ...)
{
  if (!o)
    return;
  plot *p = o->nplot < MAX_PLOTS ? &o->plot[o->nplot] : NULL;
  va_list ap;
  va_start(ap, fmt);
  int h = p ? snprintf(p->vars, sizeof p->vars, "dir='%s'; csv='%s/%s.csv'; ",
                       o->dir, o->dir, stem) : -1;
  if (p && fits(h, sizeof p->vars) &&
      fits(snprintf(p->script, sizeof p->script, "%s/plots/%s.gp",
                    XB_SOURCE_DIR, stem), sizeof p->script) &&
      fits(snprintf(p->png, sizeof p->png, "%s/%s.png", o->dir, stem),
           sizeof p->png) &&
      fits(vsnprintf(p->vars + h, sizeof p->vars - (size_t)h, fmt, ap),
           sizeof p->vars - (size_t)h))
    o->nplot++;
  else {
    fprintf(stderr, "%s: cannot plot %s: too many plots or too long\n",
            o->prog, stem);
    o->failed = 1;
  }
  va_end(ap);
}

void xbx_out_free(xbx_out *o)
{
  if (!o)
    return;
  for (int k = 0; k < o->nfile; k++)
    xbx_file_abort(o->file[k]);
  free(o);
}

int xbx_out_end(xbx_out *o, int spaced, const char *spec, ...)
{
  char wrote[MAX_FILES + MAX_PLOTS][1100];
  int nw = 0, bad = !o || o->failed;
  for (int k = 0; o && k < o->nfile; k++) {
    snprintf(wrote[nw++], sizeof wrote[0], "%s", o->file[k]->path);
    xbx_file *f = o->file[k];
    o->file[k] = NULL;
    if (bad)
      xbx_file_abort(f);
    else
      bad = xbx_file_commit(f) != 0;
  }
  for (int k = 0; o && k < o->nplot && !bad; k++) {
    bad = xbx_gnuplot(o->plot[k].script, o->plot[k].vars, o->plot[k].png);
    snprintf(wrote[nw++], sizeof wrote[0], "%s", o->plot[k].png);
  }
  if (o)
    o->nfile = 0;
  xbx_out_free(o);
  if (bad)
    return 1;
  printf("\n");
  for (int k = 0; k < nw; k++)
    printf("wrote %s\n", wrote[k]);
  if (!spec)
    return 0;
  va_list ap;
  va_start(ap, spec);
  bad = json_vprint(spaced, spec, ap) != 0;
  va_end(ap);
  return bad;
}

/* ---- the JSON line ------------------------------------------------------ */

/* What an item's value spec (the text after "key=") prints: 's' a JSON
 * string (exactly "%s"), 'f' a number that may be null (exactly one
 * floating conversion), 'v' verbatim. */
static char value_kind(const char *v, size_t n)
{
  if (n == 2 && !strncmp(v, "%s", 2))
    return 's';
  size_t c = v[0] == '%' ? strspn(v + 1, "-+ #0123456789.") + 1 : 0;
  return c && c + 1 == n && strchr("fFeEgGaA", v[c]) ? 'f' : 'v';
}

static int json_vprint(int spaced, const char *spec, va_list ap)
{
  /* The spec with "=" and the spaces between items turned into the
   * separators RS and US, formatted at once by vsnprintf, then split. */
  enum { RS = '\036', US = '\037' };
  char fmt[4096], text[8192], line[8192], kind[256];
  size_t nf = strlen(spec), ni = 0, len = 1;
  if (nf >= sizeof fmt)
    goto bad;
  memcpy(fmt, spec, nf + 1);
  for (char *item = fmt; ni < sizeof kind; ni++) {
    char *eq = strchr(item, '='), *end = item + strcspn(item, " ");
    if (!eq || eq == item || eq > end)
      goto bad;
    *eq = RS;
    kind[ni] = value_kind(eq + 1, (size_t)(end - eq - 1));
    if (!*end)
      break;
    *end = US;
    item = end + 1;
  }
  int n = vsnprintf(text, sizeof text, fmt, ap);
  if (n < 0 || (size_t)n >= sizeof text || ni == sizeof kind)
    goto bad;
  line[0] = '{';
  char *t = text;
  for (size_t k = 0; k <= ni && len + 16 < sizeof line; k++) {
    char *rs = strchr(t, RS), *us = strchr(t, US);
    if (!rs || (us && us < rs))
      goto bad;
    if (us)
      *us = 0;
    *rs = 0;
    const char *v = rs + 1;
    len += (size_t)snprintf(line + len, sizeof line - len, "%s\"%s\"%s",
                            k ? (spaced ? ", " : ",") : "", t,
                            spaced ? ": " : ":");
    if (kind[k] == 'f' && (strstr(v, "nan") || strstr(v, "inf")))
      v = "null";
    if (kind[k] != 's')
      len += (size_t)snprintf(line + len, sizeof line - len, "%s", v);
    else {
      line[len++] = '"';
      for (; *v && len + 8 < sizeof line; v++)
        if (*v == '"' || *v == '\\')
          len += (size_t)snprintf(line + len, 3, "\\%c", *v);
        else if ((unsigned char)*v < 0x20)
          len += (size_t)snprintf(line + len, 7, "\\u%04x", *v);
        else
          line[len++] = *v;
      line[len++] = '"';
    }
    t = us ? us + 1 : rs + strlen(rs + 1) + 1;
  }
  if (len + 2 >= sizeof line)
    goto bad;
  printf("%.*s}\n", (int)len, line);
  return 0;
bad:
  fprintf(stderr, "JSON line: malformed or too long: %s\n", spec);
  return -1;
}

int xbx_json_print(int spaced, const char *spec, ...)
{
  va_list ap;
  va_start(ap, spec);
  int rc = json_vprint(spaced, spec, ap);
  va_end(ap);
  return rc;
}
