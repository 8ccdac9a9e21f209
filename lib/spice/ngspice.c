/*
 * In-process ngspice runner (libngspice, ngspice 39 shared library).
 *
 * This is the only xbar file that includes <ngspice/sharedspice.h>. The
 * runner registers all six callbacks of ngSpice_Init with itself as user
 * data; SendChar appends every line ngspice prints to a buffer, and
 * ControlledExit marks the runner dead (ngspice is never called again
 * through it, and the process is never exited). ngspice's return codes are
 * 0 even for syntax errors and singular matrices, so each call is judged by
 * the lines it printed: a "stderr " line containing one of the markers
 * below fails the call, with that line (and the next two stderr lines,
 * ngspice's context) in the message. A singular matrix is XB_ESINGULAR,
 * because ngspice then falls back on gmin and source stepping and may
 * print numbers of a different circuit; everything else XB_EEXTERNAL.
 *
 * ngspice quirks handled here (verified on ngspice 39, see INTEGRATION.md):
 *   - Before a new circuit: "remcirc", "destroy all", then ngSpice_Circ.
 *   - ngSpice_Init right after a "remcirc" that left no circuit crashes
 *     ngspice (segmentation violation inside the library). The loader
 *     always follows "remcirc" with a new circuit, xb_spice_free never
 *     removes the circuit, and xb_spice_command refuses "remcirc".
 *   - ngGet_Vec_Info returns a pointer to one static struct: it is copied
 *     at once, and the data are copied before any other ngspice call.
 *   - ngspice lowercases names; vector lookup is case-insensitive.
 *
 * ngspice is a process-wide singleton, so at most one runner may exist at
 * a time; our code keeps no global state. Workload: a few hundred loads
 * and runs of small decks per process (the differential tests).
 */
#include <stdbool.h> /* sharedspice.h uses bool without including it */

#include <ngspice/sharedspice.h>

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xbar/spice.h>

#include "../core/core_impl.h"

struct xb_spice {
  char *out;       /* captured lines, NUL-terminated */
  size_t len, cap; /* bytes used (without the NUL), allocated */
  int lost;        /* lines dropped for lack of memory since the last call */
  int dead;        /* ngspice asked to exit: never call it again */
  int exit_status; /* status ngspice gave to ControlledExit */
};

/* ---- callbacks (ngspice -> runner) ------------------------------------ */

/* User data of the callbacks once the runner is freed: they then drop
 * everything. A constant, so the library holds no mutable global state. */
static const int detached_tag = 0;
#define DETACHED ((void *)&detached_tag)

static xb_spice *runner_of(void *user)
{
  return user && user != DETACHED ? user : NULL;
}

static void append(xb_spice *s, const char *text)
{
  size_t n = strlen(text);
  if (s->len + n + 2 > s->cap) {
    size_t cap = s->cap ? s->cap : 4096;
    while (s->len + n + 2 > cap)
      cap *= 2;
    char *p = realloc(s->out, cap);
    if (!p) {
      s->lost++;
      return;
    }
    s->out = p;
    s->cap = cap;
  }
  memcpy(s->out + s->len, text, n);
  s->len += n;
  s->out[s->len++] = '\n';
  s->out[s->len] = '\0';
}

static int on_char(char *text, int id, void *user)
{
  (void)id;
  xb_spice *s = runner_of(user);
  if (s && text)
    append(s, text);
  return 0;
}

static int on_stat(char *text, int id, void *user)
{
  (void)text, (void)id, (void)user;
  return 0;
}

static int on_exit_request(int status, NG_BOOL unload, NG_BOOL quit, int id,
                           void *user)
{
  (void)unload, (void)quit, (void)id;
  xb_spice *s = runner_of(user);
  if (s) {
    s->dead = 1;
    s->exit_status = status;
  }
  return 0;
}

static int on_data(pvecvaluesall v, int count, int id, void *user)
{
  (void)v, (void)count, (void)id, (void)user;
  return 0;
}

static int on_init_data(pvecinfoall v, int id, void *user)
{
  (void)v, (void)id, (void)user;
  return 0;
}

static int on_bg_thread(NG_BOOL running, int id, void *user)
{
  (void)running, (void)id, (void)user;
  return 0;
}

static int init(void *user)
{
  return ngSpice_Init(on_char, on_stat, on_exit_request, on_data,
                      on_init_data, on_bg_thread, user);
}

/* ---- error detection ----------------------------------------------------- */

/* Substrings of a stderr line that mean the call failed. Warnings that do
 * not change the result ("there is no circuit loaded" before the first
 * remcirc) contain none of them. */
static const char *const error_markers[] = {
    "rror",              /* Error, error */
    "singular",          /* singular matrix: check node ... */
    "imestep too small", /* Timestep too small, timestep too small */
    "doAnalyses",        /* doAnalyses: OP: ... */
    "aborted",           /* op simulation(s) aborted */
    "not parsed",        /* circuit not parsed */
    "not found",         /* vector ... not found */
    "no such",           /* no such vector / command */
    "can't find",        /* can't find model */
    "Unable to find",    /* definition of model */
    "unknown",           /* unknown subckt, unknown parameter */
    "No job",            /* run without an analysis card */
    "not started",       /* run simulation not started */
    "cannot recover",    /* ngspice.dll cannot recover */
};

/* The line [line, line+n) contains `what`. */
static int has_text(const char *line, size_t n, const char *what)
{
  size_t wl = strlen(what);
  for (size_t p = 0; p + wl <= n; p++)
    if (memcmp(line + p, what, wl) == 0)
      return 1;
  return 0;
}

static int is_error_line(const char *line, size_t n)
{
  if (n < 7 || memcmp(line, "stderr ", 7) != 0)
    return 0;
  for (size_t k = 0; k < sizeof error_markers / sizeof error_markers[0]; k++)
    if (has_text(line + 7, n - 7, error_markers[k]))
      return 1;
  return 0;
}

/* Judge the lines printed since offset `mark` by the call `what`. */
static int check_output(xb_spice *s, size_t mark, const char *what,
                        xb_err *err)
{
  if (s->lost)
    return xb__err(err, XB_ENOMEM,
                   "ngspice %s: %d output line(s) lost for lack of memory",
                   what, s->lost);
  const char *first = NULL, *ctx[2] = {NULL, NULL};
  size_t first_n = 0, ctx_n[2] = {0, 0};
  int singular = 0, nctx = 0;
  const char *p = s->out + mark, *end = s->out + s->len;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
    if (is_error_line(p, n)) {
      if (has_text(p, n, "singular"))
        singular = 1;
      if (!first) {
        first = p;
        first_n = n;
      } else if (nctx < 2) {
        ctx[nctx] = p;
        ctx_n[nctx++] = n;
      }
    } else if (first && nctx < 2 && n > 7 && memcmp(p, "stderr ", 7) == 0) {
      ctx[nctx] = p; /* context of the error, e.g. the offending card */
      ctx_n[nctx++] = n;
    }
    p += n + 1;
  }
  if (s->dead)
    return xb__err(err, XB_EEXTERNAL, "ngspice %s: ngspice exited (status %d)",
                   what, s->exit_status);
  if (!first)
    return XB_OK;
  /* Strip the "stderr " prefixes; keep the message within xb_err. */
  int n0 = (int)(first_n - 7 > 200 ? 200 : first_n - 7);
  int n1 = ctx[0] ? (int)(ctx_n[0] - 7 > 80 ? 80 : ctx_n[0] - 7) : 0;
  int n2 = ctx[1] ? (int)(ctx_n[1] - 7 > 80 ? 80 : ctx_n[1] - 7) : 0;
  return xb__err(err, singular ? XB_ESINGULAR : XB_EEXTERNAL,
                 "ngspice %s: %.*s%s%.*s%s%.*s", what, n0, first + 7,
                 n1 ? " | " : "", n1, ctx[0] ? ctx[0] + 7 : "",
                 n2 ? " | " : "", n2, ctx[1] ? ctx[1] + 7 : "");
}

static int usable(const xb_spice *s, xb_err *err)
{
  if (!s)
    return xb__err(err, XB_EINVAL, "NULL ngspice runner");
  if (s->dead)
    return xb__err(err, XB_EEXTERNAL,
                   "ngspice has exited (status %d) and cannot be used "
                   "again in this process",
                   s->exit_status);
  return XB_OK;
}

/* ngspice takes char *; give it a private copy of a constant command. */
static void command(const char *cmd)
{
  char buf[64];
  snprintf(buf, sizeof buf, "%s", cmd);
  ngSpice_Command(buf);
}

/* ---- runner -------------------------------------------------------------- */

xb_spice *xb_spice_create(xb_err *err)
{
  xb_spice *s = calloc(1, sizeof *s);
  if (!s || !(s->out = malloc(4096))) {
    free(s);
    xb__err(err, XB_ENOMEM, "ngspice runner");
    return NULL;
  }
  s->cap = 4096;
  s->out[0] = '\0';
  int rc = init(s);
  if (rc != 0 || s->dead) {
    xb__err(err, XB_EEXTERNAL, "ngSpice_Init failed (code %d, exit %d)", rc,
            s->exit_status);
    if (!s->dead)
      ngSpice_Init_Sync(NULL, NULL, NULL, NULL, DETACHED);
    free(s->out);
    free(s);
    return NULL;
  }
  /* Debian's ngspice evaluates BSIM4 devices on OpenMP threads; on a busy
   * two-core machine they spin and a small deck takes seconds instead of
   * milliseconds. One thread is the fast and predictable choice for the
   * small cross-check decks this runner is for. */
  ngSpice_Command("set num_threads=1");
  return s;
}

void xb_spice_free(xb_spice *s)
{
  if (!s)
    return;
  if (!s->dead) {
    /* Drop the vectors, keep the circuit (see the top comment), and point
     * the callbacks away from the memory freed below. ngSpice_Init_Sync
     * replaces the user data of every callback (and, unlike a second
     * ngSpice_Init, allocates nothing); its own callbacks stay unset. */
    command("destroy all");
    ngSpice_Init_Sync(NULL, NULL, NULL, NULL, DETACHED);
  }
  free(s->out);
  free(s);
}

/* The line [p, p+n) with blanks trimmed equals ".end" (any case). */
static int is_end_card(const char *p, size_t n)
{
  while (n && isspace((unsigned char)*p))
    p++, n--;
  while (n && isspace((unsigned char)p[n - 1]))
    n--;
  return n == 4 && p[0] == '.' && tolower((unsigned char)p[1]) == 'e' &&
         tolower((unsigned char)p[2]) == 'n' &&
         tolower((unsigned char)p[3]) == 'd';
}

int xb_spice_load(xb_spice *s, const char *netlist, xb_err *err)
{
  int rc = usable(s, err);
  if (rc)
    return rc;
  if (!netlist)
    return xb__err(err, XB_EINVAL, "NULL netlist");
  /* Split into lines in a private copy; drop '\r' and trailing blank
   * lines. */
  size_t len = strlen(netlist), nlines = 1;
  for (size_t k = 0; k < len; k++)
    nlines += netlist[k] == '\n';
  char *text = malloc(len + 1);
  char **lines = malloc((nlines + 1) * sizeof *lines);
  if (!text || !lines) {
    free(text);
    free(lines);
    return xb__err(err, XB_ENOMEM, "netlist of %zu bytes", len);
  }
  size_t used = 0, count = 0;
  const char *p = netlist;
  while (*p || count == 0) {
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) : strlen(p);
    lines[count++] = text + used;
    for (size_t k = 0; k < n; k++)
      if (p[k] != '\r')
        text[used++] = p[k];
    text[used++] = '\0';
    if (!nl)
      break;
    p = nl + 1;
  }
  while (count > 1 && strspn(lines[count - 1], " \t") ==
                          strlen(lines[count - 1]))
    count--;
  if (count < 2 || !is_end_card(lines[count - 1], strlen(lines[count - 1]))) {
    free(text);
    free(lines);
    return xb__err(err, XB_EINVAL,
                   "netlist must have a title line and end with .end");
  }
  lines[count] = NULL;

  /* Replace the previous circuit (remcirc is harmless when there is none:
   * ngspice only warns), then start a fresh log for this circuit. */
  s->lost = 0;
  command("remcirc");
  command("destroy all");
  s->len = 0;
  s->out[0] = '\0';
  if (!s->dead)
    ngSpice_Circ(lines);
  free(text);
  free(lines);
  return check_output(s, 0, "load", err);
}

/* First word of cmd equals `word`, ignoring case. */
static int first_word_is(const char *cmd, const char *word)
{
  while (isspace((unsigned char)*cmd))
    cmd++;
  size_t n = strlen(word);
  for (size_t k = 0; k < n; k++)
    if (tolower((unsigned char)cmd[k]) != word[k])
      return 0;
  return cmd[n] == '\0' || isspace((unsigned char)cmd[n]);
}

/* Run one ngspice command and judge its output. */
static int run_command(xb_spice *s, const char *cmd, const char *what,
                       xb_err *err)
{
  char *copy = malloc(strlen(cmd) + 1);
  if (!copy)
    return xb__err(err, XB_ENOMEM, "ngspice command");
  strcpy(copy, cmd);
  size_t mark = s->len;
  s->lost = 0;
  ngSpice_Command(copy);
  free(copy);
  if (s->dead && first_word_is(cmd, "quit"))
    return XB_OK; /* asked for */
  return check_output(s, mark, what, err);
}

int xb_spice_run(xb_spice *s, xb_err *err)
{
  int rc = usable(s, err);
  return rc ? rc : run_command(s, "run", "run", err);
}

int xb_spice_command(xb_spice *s, const char *cmd, xb_err *err)
{
  int rc = usable(s, err);
  if (rc)
    return rc;
  if (!cmd)
    return xb__err(err, XB_EINVAL, "NULL command");
  const char *w = cmd + strspn(cmd, " \t");
  if (strncmp(w, "bg_", 3) == 0)
    return xb__err(err, XB_EINVAL,
                   "'%.60s': background-thread commands are not supported",
                   cmd);
  if (first_word_is(cmd, "remcirc"))
    return xb__err(err, XB_EINVAL,
                   "'remcirc': xb_spice_load replaces circuits (a bare "
                   "remcirc breaks the next ngSpice_Init)");
  return run_command(s, cmd, "command", err);
}

int xb_spice_vec(xb_spice *s, const char *name, double *out, size_t cap,
                 size_t *len, xb_err *err)
{
  int rc = usable(s, err);
  if (rc)
    return rc;
  if (!name || !name[0])
    return xb__err(err, XB_EINVAL, "NULL or empty vector name");
  char *copy = malloc(strlen(name) + 1);
  if (!copy)
    return xb__err(err, XB_ENOMEM, "vector name");
  strcpy(copy, name);
  s->lost = 0;
  pvector_info p = ngGet_Vec_Info(copy);
  free(copy);
  if (!p)
    return xb__err_set(err, XB_EKEY, NULL, 0, name, NAN, NAN,
                       "ngspice has no vector '%.100s' in the current plot",
                       name);
  vector_info v = *p; /* one static struct inside ngspice: copy first */
  if (!v.v_realdata)
    return xb__err_set(err, v.v_compdata ? XB_ETYPE : XB_EKEY, NULL, 0, name,
                       NAN, NAN, "ngspice vector '%.100s' %s", name,
                       v.v_compdata ? "is complex" : "has no data");
  size_t n = v.v_length > 0 ? (size_t)v.v_length : 0;
  if (len)
    *len = n;
  if (!out)
    return XB_OK;
  if (cap < n)
    return xb__err(err, XB_ESIZE,
                   "ngspice vector '%.100s' has %zu values, room for %zu",
                   name, n, cap);
  if (n)
    memcpy(out, v.v_realdata, n * sizeof(double));
  return XB_OK;
}

const char *xb_spice_output(const xb_spice *s)
{
  return s && s->out ? s->out : "";
}

int xb_spice_alive(const xb_spice *s)
{
  return s && !s->dead;
}
