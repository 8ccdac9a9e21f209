/*
 * The option tables of the experiment programs (exp_util.h): xbx_parse
 * reads `--name value` pairs, bare flags and positional arguments against
 * a program's table and writes each value to its destination; a bad
 * command line gets one line on stderr naming the option and what it
 * accepts (exit status 2), and --help a man page built from the same
 * table and the program's descriptor, the defaults read from the
 * destinations themselves.
 */
#include "exp_util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define WIDTH 79 /* of the man page */
#define IND1 7   /* indent of a section's text */
#define IND2 14  /* indent of an option's description */
#define XBX_STR2_(x) #x
#define XBX_STR_(x) XBX_STR2_(x)

/* ---- values -------------------------------------------------------------- */

/* The whole of v as a number of o's type (int, double or unsigned long
 * long) into *out: 1, or 0 on junk or out of [lo, hi]. */
static int number(const xbx_opt *o, const char *v, void *out)
{
  char *e;
  errno = 0;
  if (o->type == XBX_T_U64) {
    unsigned long long u = strtoull(v, &e, 0);
    if (*v == '-' || e == v || *e || errno)
      return 0;
    *(unsigned long long *)out = u;
    return 1;
  }
  int dbl = o->type == XBX_T_DOUBLE;
  double x = dbl ? strtod(v, &e) : (double)strtol(v, &e, 10);
  if (e == v || *e || errno || !isfinite(x) || x < o->lo || x > o->hi)
    return 0;
  if (dbl)
    *(double *)out = x;
  else
    *(int *)out = (int)x;
  return 1;
}

/* The placeholder of an option's value: "--rows N", "--vread V". */
static const char *meta(const xbx_opt *o)
{
  switch (o->type) {
  case XBX_T_DOUBLE:
    return o->unit[0] ? o->unit : "X";
  case XBX_T_STR:
    return o->unit[0] ? o->unit : "TEXT";
  case XBX_T_CHOICE:
    return o->words;
  case XBX_T_INTS:
    return "N,N,...";
  default:
    return "N";
  }
}

/* The k-th word of "a|b|c" and its length; NULL if there is none. */
static const char *word_at(const char *words, int k, size_t *len)
{
  const char *c = k < 0 ? NULL : words;
  for (; k > 0 && c; k--)
    if ((c = strchr(c, '|')))
      c++;
  *len = c ? strcspn(c, "|") : 0;
  return c;
}

/* What a value of o must be: "an integer in [1, 4096]", "a number in
 * [-100, 100] V". */
static void want(const xbx_opt *o, char *buf, size_t n)
{
  const char *u = o->unit;
  switch (o->type) {
  case XBX_T_INT:
  case XBX_T_INTS:
    snprintf(buf, n, "%s in [%d, %d]%s%s",
             o->type == XBX_T_INT ? "an integer"
                                  : "up to " XBX_STR_(XBX_MAX_INTS)
                                    " comma-separated integers",
             (int)o->lo, (int)o->hi, u[0] ? " " : "", u);
    break;
  case XBX_T_DOUBLE:
    snprintf(buf, n, "a number in [%.6g, %.6g]%s%s", o->lo, o->hi,
             u[0] ? " " : ", no unit", u);
    break;
  case XBX_T_U64:
    snprintf(buf, n, "an unsigned 64-bit integer");
    break;
  case XBX_T_CHOICE: {
    size_t k = (size_t)snprintf(buf, n, "one of");
    size_t len;
    const char *w;
    for (int q = 0; (w = word_at(o->words, q, &len)) && k < n; q++)
      k += (size_t)snprintf(buf + k, n - k, "%s %.*s", q ? "," : "",
                            (int)len, w);
    break;
  }
  default:
    snprintf(buf, n, "a %s", u[0] ? u : "value");
  }
}

/* A comma-separated list into o's destination, all or nothing. */
static int parse_ints(const xbx_opt *o, const char *s)
{
  xbx_ints t = {0};
  char buf[256];
  if (strlen(s) >= sizeof buf || !*s || s[strlen(s) - 1] == ',')
    return 0;
  snprintf(buf, sizeof buf, "%s", s);
  for (char *c = buf, *e; c; c = e) {
    if ((e = strchr(c, ',')))
      *e++ = 0;
    if (t.n == XBX_MAX_INTS || !number(o, c, &t.v[t.n++]))
      return 0;
  }
  *(xbx_ints *)o->dst = t;
  return 1;
}

/* Parse v into o's destination; 1, or 0 (destination unchanged). */
static int set_value(const xbx_opt *o, const char *v)
{
  size_t len;
  const char *w;
  switch (o->type) {
  case XBX_T_INT:
  case XBX_T_DOUBLE:
  case XBX_T_U64:
    return number(o, v, o->dst);
  case XBX_T_INTS:
    return parse_ints(o, v);
  case XBX_T_CHOICE:
    for (int k = 0; (w = word_at(o->words, k, &len)); k++)
      if (len == strlen(v) && !strncmp(w, v, len)) {
        *(int *)o->dst = k;
        return 1;
      }
    return 0;
  default:
    *(const char **)o->dst = v;
    return 1;
  }
}

/* The default of o, read from its destination; a number outside its
 * range is "not set". */
static void show_default(const xbx_opt *o, char *buf, size_t n)
{
  const void *d = o->dst;
  size_t len, k = 0;
  const char *w;
  switch (o->type) {
  case XBX_T_INT: {
    int v = *(const int *)d;
    snprintf(buf, n, v < o->lo || v > o->hi ? "not set" : "%d", v);
    break;
  }
  case XBX_T_DOUBLE: {
    double v = *(const double *)d;
    snprintf(buf, n, v >= o->lo && v <= o->hi ? "%.10g" : "not set", v);
    break;
  }
  case XBX_T_U64:
    snprintf(buf, n, "%llu", *(const unsigned long long *)d);
    break;
  case XBX_T_FLAG:
    snprintf(buf, n, "%s", *(const int *)d ? "on" : "off");
    break;
  case XBX_T_CHOICE:
    w = word_at(o->words, *(const int *)d, &len);
    snprintf(buf, n, "%.*s", w ? (int)len : 4, w ? w : "none");
    break;
  case XBX_T_INTS:
    snprintf(buf, n, "none");
    for (int q = 0; q < ((const xbx_ints *)d)->n && k < n; q++)
      k += (size_t)snprintf(buf + k, n - k, "%s%d", q ? "," : "",
                            ((const xbx_ints *)d)->v[q]);
    break;
  default:
    w = *(const char *const *)d;
    snprintf(buf, n, "%s", w && *w ? w : "none");
  }
}

/* ---- the man page ------------------------------------------------------- */

/* Words set on a line from column `col`, broken before WIDTH and
 * continued at column `indent`; `empty`: nothing set on this line yet. */
typedef struct pen {
  int col, indent, empty;
} pen;

static void pen_word(pen *p, const char *w, size_t len)
{
  if (!p->empty && p->col + 1 + (int)len > WIDTH) {
    printf("\n%*s", p->indent, "");
    p->col = p->indent;
  } else if (!p->empty) {
    putchar(' ');
    p->col++;
  }
  printf("%.*s", (int)len, w);
  p->col += (int)len;
  p->empty = 0;
}

/* A paragraph at `indent`: words wrapped, "\n" a hard line break. */
static void paragraph(const char *text, int indent)
{
  pen p = {indent, indent, 1};
  printf("%*s", indent, "");
  for (const char *c = text; *c;) {
    size_t len = strcspn(c, " \n");
    if (*c == '\n') {
      printf("\n%*s", indent, "");
      p = (pen){indent, indent, 1};
    } else if (len)
      pen_word(&p, c, len);
    c += len ? len : 1;
  }
  putchar('\n');
}

static void help(const xbx_prog *pr, const xbx_opt *opts)
{
  char w[2400], d[1100], l[600];
  snprintf(w, sizeof w, "%s - %s", pr->name, pr->purpose);
  printf("NAME\n");
  paragraph(w, IND1);
  printf("\nSYNOPSIS\n%*s%s", IND1, "", pr->name);
  pen p = {IND1 + (int)strlen(pr->name), IND1 + 4, 0};
  for (const xbx_opt *o = opts; o->type; o++) {
    if (o->type == XBX_T_ARG)
      snprintf(w, sizeof w, "%s", o->name);
    else
      snprintf(w, sizeof w, "[--%s%s%s]", o->name,
               o->type == XBX_T_FLAG ? "" : " ",
               o->type == XBX_T_FLAG ? "" : meta(o));
    pen_word(&p, w, strlen(w));
  }
  printf("\n\nDESCRIPTION\n");
  paragraph(pr->about, IND1);
  printf("\nOPTIONS\n");
  for (const xbx_opt *o = opts; o->type; o++) {
    int flag = o->type == XBX_T_FLAG, arg = o->type == XBX_T_ARG,
        bare = flag || arg || o->type == XBX_T_STR; /* no range */
    printf("%*s%s%s%s%s\n", IND1, "", arg ? "" : "--", o->name,
           flag || arg ? "" : " ", flag || arg ? "" : meta(o));
    paragraph(o->help, IND2);
    show_default(o, d, sizeof d);
    want(o, l, sizeof l);
    snprintf(w, sizeof w, "%s%s%s%s", arg ? "required" : "default ",
             arg ? "" : d, bare ? "" : "; ", bare ? "" : l);
    paragraph(w, IND2);
  }
  printf("%*s-h, --help\n", IND1, "");
  paragraph("print this page and exit", IND2);
  printf("\nOUTPUTS\n");
  for (const char *c = pr->outputs; *c;) { /* "<file> <what>" a line */
    size_t len = strcspn(c, "\n"), nl = strcspn(c, " \n");
    snprintf(w, sizeof w, "%.*s", (int)(len - nl), c + nl);
    printf("%*s%.*s\n", IND1, "", (int)nl, c);
    paragraph(w, IND2);
    c += len + (c[len] == '\n');
  }
  printf("\nEXAMPLE\n");
  paragraph(pr->example, IND1);
  printf("\nEXIT STATUS\n");
  paragraph("0 success, 1 a failure while running (the message names it), "
            "2 a bad command line.", IND1);
}

/* ---- parsing ------------------------------------------------------------ */

int xbx_usage_error(const xbx_prog *prog, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s: ", prog->name);
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, " (see %s --help)\n", prog->name);
  va_end(ap);
  return 2;
}

int xbx_parse(const xbx_prog *prog, const xbx_opt *opts, int argc,
              char **argv)
{
  const xbx_opt *pos = opts; /* the next positional argument to fill */
  char w[600];
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    while (pos->type && pos->type != XBX_T_ARG)
      pos++;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      help(prog, opts);
      return 0;
    }
    if (a[0] != '-' || !a[1]) {
      if (!pos->type)
        return xbx_usage_error(prog, "unexpected argument '%s'", a);
      *(const char **)(pos++)->dst = a;
      continue;
    }
    const xbx_opt *o = opts;
    while (o->type && (o->type == XBX_T_ARG || strncmp(a, "--", 2) ||
                       strcmp(a + 2, o->name)))
      o++;
    if (!o->type)
      return xbx_usage_error(prog, "unknown option '%s'", a);
    if (o->type == XBX_T_FLAG) {
      *(int *)o->dst = 1;
      continue;
    }
    want(o, w, sizeof w);
    if (i + 1 == argc)
      return xbx_usage_error(prog, "%s needs a value: %s", a, w);
    const char *v = argv[++i];
    if (!set_value(o, v))
      return xbx_usage_error(prog, "bad value '%s' for %s: want %s", v, a,
                             w);
  }
  for (; pos->type; pos++)
    if (pos->type == XBX_T_ARG)
      return xbx_usage_error(prog, "missing %s", pos->name);
  return XBX_RUN;
}
