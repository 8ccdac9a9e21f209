/*
 * The scaffold of the experiment programs (not part of the library): an
 * option table per program that parses `--name value`, prints a man page
 * for --help and refuses bad input with exit status 2; one output object
 * that writes the CSVs atomically, runs the gnuplot scripts and prints the
 * final JSON line; and the few setup steps several programs share (write
 * timing presets, random conductances, a random subset of lines, the
 * patches and initial dictionary of dictionary learning).
 *
 * How to write an experiment (experiments/sneak_read.c is the exemplar;
 * write_quantization.c is the smallest):
 *
 *   static const xbx_prog prog = {
 *     "my_exp", "what it computes, in one line",
 *     "One paragraph: the setup, the method, what to expect.",
 *     "my_exp.csv one line per column\nmy_exp.png plots/my_exp.gp",
 *     "my_exp --rows 40 --out /tmp/my_exp"};
 *
 *   int main(int argc, char **argv)
 *   {
 *     int rows = 100;                        // the defaults --help shows
 *     double vread = 1.0;
 *     const char *outdir = XB_SOURCE_DIR "/plots";
 *     XBX_PARSE(prog,                     // returns 0 after --help, 2 if bad
 *       XBX_INT("rows", &rows, "", 1, 4096, "array rows"),
 *       XBX_DOUBLE("vread", &vread, "V", -100, 100, "read voltage"),
 *       XBX_STR("out", &outdir, "DIR", "output folder"));
 *     if (rows < 2 && vread > 0)             // checks across options
 *       return xbx_usage_error(&prog, "--rows %d: ...", rows);
 *     ... the physics, a summary on stdout ...
 *     xbx_out *out = xbx_out_create(prog.name, outdir);
 *     FILE *f = xbx_out_open(out, "my_exp.csv", "# my_exp: %d rows, V\n"
 *                            "col,v,err\n", rows);  // NULL out: NULL
 *     if (!f) { xbx_out_free(out); return 1; }
 *     fprintf(f, "...");                     // the rows
 *     xbx_out_plot(out, "my_exp", "vread=%.17g", vread);
 *     return xbx_out_end(out, 0, "experiment=%s rows=%d max_err=%.6g",
 *                        prog.name, rows, max_err);  // commit, plot, print
 *   }
 *
 * A program with more to clean up declares `xbx_out *out = NULL` with its
 * other resources and calls xbx_out_free(out) at its one `done:` label
 * (sneak_read.c). Exit status: 0 success (and --help), 1 a failure while
 * running (a file, a solve; the message names it), 2 a bad command line.
 * Messages go to stderr, prefixed with the program's name. A program on
 * MPI ranks parses on every rank (each prints its own refusal).
 */
#ifndef XBAR_EXP_UTIL_H
#define XBAR_EXP_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <xbar/xbar.h>

/* ---- the program and its options -------------------------------------- */

/* What --help prints besides the options: NAME "<name> - <purpose>",
 * DESCRIPTION `about` (wrapped; "\n" starts a new line), OUTPUTS
 * `outputs` (one line a file: its name, a space, what it holds),
 * EXAMPLE `example`. */
typedef struct xbx_prog {
  const char *name;    /* the program, also the prefix of its messages */
  const char *purpose; /* one line */
  const char *about;   /* one paragraph */
  const char *outputs; /* "name.csv what it holds\nname.png ..." */
  const char *example; /* a command line */
} xbx_prog;

typedef enum xbx_type {
  XBX_T_END = 0, /* the end of a table */
  XBX_T_INT,     /* int, in [lo, hi] */
  XBX_T_DOUBLE,  /* double, finite, in [lo, hi] */
  XBX_T_U64,     /* unsigned long long, any (decimal, or 0x hex) */
  XBX_T_STR,     /* const char *, any text (a path, a name) */
  XBX_T_FLAG,    /* int, set to 1 by the bare option: no value */
  XBX_T_CHOICE,  /* int, the index of the value in `words` */
  XBX_T_INTS,    /* xbx_ints, comma-separated ints, each in [lo, hi] */
  XBX_T_ARG      /* const char *, a required positional argument */
} xbx_type;

#define XBX_MAX_INTS 16
/* The destination of an int list (--sizes 16,32): n values in v. */
typedef struct xbx_ints {
  int n;
  int v[XBX_MAX_INTS];
} xbx_ints;

/* One option. The default --help shows is the value in *dst before
 * xbx_parse: one source of truth. A number whose default lies outside
 * [lo, hi] is "not set" (a sentinel); its help says what the program
 * does then. */
typedef struct xbx_opt {
  const char *name;  /* "rows" for --rows; for XBX_T_ARG, its placeholder */
  xbx_type type;
  void *dst;         /* what the value is written to (see xbx_type) */
  const char *unit;  /* SI unit of a number ("" for a pure number); for a
                        string, what it names: "FILE", "DIR", ... */
  double lo, hi;     /* the accepted range of a number or list entry */
  const char *words; /* XBX_T_CHOICE: the allowed words, "diff|se" */
  const char *help;  /* what it is, lower case, no final period */
} xbx_opt;

/* The table entries; the destination's type is checked at compile time. */
#define XBX_E_(n, T, C, p, u, lo, hi, w, h)                                    \
  {n, XBX_T_##T, (void *)(1 ? (p) : (C *)0), u, lo, hi, w, h}
#define XBX_INT(n, p, u, lo, hi, h) XBX_E_(n, INT, int, p, u, lo, hi, NULL, h)
#define XBX_DOUBLE(n, p, u, lo, hi, h)                                        \
  XBX_E_(n, DOUBLE, double, p, u, lo, hi, NULL, h)
#define XBX_U64(n, p, h)                                                      \
  XBX_E_(n, U64, unsigned long long, p, "", 0, 0, NULL, h)
#define XBX_STR(n, p, what, h)                                                \
  XBX_E_(n, STR, const char *, p, what, 0, 0, NULL, h)
#define XBX_FLAG(n, p, h) XBX_E_(n, FLAG, int, p, "", 0, 0, NULL, h)
#define XBX_CHOICE(n, p, words, h)                                            \
  XBX_E_(n, CHOICE, int, p, "", 0, 0, words, h)
#define XBX_INTS(n, p, u, lo, hi, h)                                          \
  XBX_E_(n, INTS, xbx_ints, p, u, lo, hi, NULL, h)
#define XBX_ARG(n, p, h) XBX_E_(n, ARG, const char *, p, "", 0, 0, NULL, h)
#define XBX_END {NULL, XBX_T_END, NULL, NULL, 0, 0, NULL, NULL}

/* xbx_parse's "go on". */
#define XBX_RUN (-1)
/* In main: parse argc, argv against the table of the entries given (no
 * XBX_END) and return from main with 0 after --help, 2 if bad. */
#define XBX_PARSE(prog, ...)                                                  \
  do {                                                                        \
    const xbx_opt xbx_opts_[] = {__VA_ARGS__, XBX_END};                       \
    int xbx_st_ = xbx_parse(&(prog), xbx_opts_, argc, argv);                  \
    if (xbx_st_ != XBX_RUN)                                                   \
      return xbx_st_;                                                         \
  } while (0)

/* Parse argv[1..argc-1] against the table `opts` (ended by XBX_END),
 * in order, the last of a repeated option winning. -h or --help prints
 * the man page to stdout and returns 0; an unknown option, a missing,
 * malformed or out-of-range value, an extra or a missing positional
 * argument prints one line on stderr naming the option and what it
 * accepts, and returns 2. Otherwise XBX_RUN with every given value
 * written to its destination (strings point into argv). */
int xbx_parse(const xbx_prog *prog, const xbx_opt *opts, int argc,
              char **argv);

/* For the checks across options after xbx_parse: prints "<name>: <msg>
 * (see <name> --help)" on stderr and returns 2, the exit status. */
int xbx_usage_error(const xbx_prog *prog, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- the JSON line ------------------------------------------------------ */

/* Print one flat JSON object, one line, on stdout. `spec` is a printf
 * format of items "key=value" separated by single spaces, each value one
 * conversion or literal text, the arguments in order as for printf (the
 * compiler checks them): a value that is exactly one %s conversion is
 * printed as a JSON string (quoted, escaped); exactly one floating
 * conversion ("%.6g", "%.4f") as that number, or null if it is not
 * finite; anything else ("%zu", "%d", "true", "[%d,%d]") as printf
 * prints it. `spaced`: ", " and ": " between items, else "," and ":".
 *   xbx_json_print(0, "experiment=%s rows=%zu max_err=%.6g", name, n, e)
 *   -> {"experiment":"...","rows":40,"max_err":0.0213}
 * Returns 0, or -1 with a message on stderr if spec is malformed. */
int xbx_json_print(int spaced, const char *spec, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- the outputs of a run ---------------------------------------------- */

/* A run's files in one folder, each written under "<path>.tmp" and
 * renamed only by xbx_out_end, and the plots to draw from them. */
typedef struct xbx_out xbx_out;

/* Create folder `dir` if needed (one level) for program `prog`. NULL,
 * with a message on stderr, on failure. */
xbx_out *xbx_out_create(const char *prog, const char *dir);
/* Open "<dir>/<file>" for writing (under its temporary name) and write
 * `head` formatted as by printf (the "# ..." comment lines and the column
 * names of a CSV; NULL: nothing). The stream belongs to o. NULL, with a
 * message on stderr, on failure or if o is NULL. */
FILE *xbx_out_open(xbx_out *o, const char *file, const char *head, ...)
    __attribute__((format(printf, 3, 4)));
/* Queue a plot: plots/<stem>.gp run into "<dir>/<stem>.png" with the
 * gnuplot variables dir='<dir>' and csv='<dir>/<stem>.csv' followed by
 * those of `fmt` ("name=value; ...", printf-style; a later one wins).
 * A failure (or NULL o) is reported by xbx_out_end. */
void xbx_out_plot(xbx_out *o, const char *stem, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Commit every file in the order opened, then run the plots in the order
 * queued, then print "wrote <path>" for each and the JSON line of `spec`
 * and what follows (xbx_json_print; NULL spec: none) on stdout. Stops at
 * the first failure (files not yet committed are deleted). Frees o.
 * Returns 0, or 1 on any failure (NULL o too): the exit status. */
int xbx_out_end(xbx_out *o, int spaced, const char *spec, ...)
    __attribute__((format(printf, 3, 4)));
/* Give up: delete every temporary, free o. NULL is a no-op. */
void xbx_out_free(xbx_out *o);

/* ---- shared setup ------------------------------------------------------ */

/* Write timing: the defaults, then section [write] of `path`, checked.
 * XB_OK, or a code with err naming the file, line or parameter; p is
 * unchanged on failure. */
int xbx_write_timing(const char *path, xb_write_params *p, xb_err *err);
/* The last component of a path ("models/pcmo.ini" -> "pcmo.ini"). */
const char *xbx_basename(const char *path);
/* g[k] = gmin + (gmax - gmin) u_k, u_k = xb_rng_uniform(seed, stream, k),
 * k < n: conductances uniform in [gmin, gmax] (S). */
void xbx_uniform_g(double *g, size_t n, double gmin, double gmax,
                   uint64_t seed, uint64_t stream);
/* Mark exactly max(1, round(f n)) of the n lines in sel (1 marked, 0 not),
 * drawn without replacement by a partial Fisher-Yates shuffle of stream
 * (seed, stream). Returns the count, 0 if out of memory. */
size_t xbx_pick_lines(unsigned char *sel, size_t n, double f, uint64_t seed,
                      uint64_t stream);

/* Patches for dictionary learning: from the cached MNIST digits, `ntrain`
 * training patches from images [0, 8000) (seed) and `ntest` held-out ones
 * from [8000, 10000) (seed + 1); without the cache, or with `synthetic`,
 * the first ntrain and the next ntest patches of the synthetic
 * ground-truth task (xb_synth, seed). A missing cache is noted on stderr
 * under program `prog`. XB_OK, or a code with err; free with
 * xbx_data_free either way. */
typedef struct xbx_data {
  const xb_patches *train, *test; /* test: NULL if ntest is 0 */
  int mnist;                      /* 1: MNIST patches, 0: synthetic */
  xb_images *im;                  /* the rest: owned, for xbx_data_free */
  xb_synth *syn;
  xb_patches *own[2], view[2];
} xbx_data;
int xbx_data_load(xbx_data *d, const char *prog, int synthetic, int ntrain,
                  int ntest, uint64_t seed, xb_err *err);
void xbx_data_free(xbx_data *d);
/* An initial dictionary of `atoms` atoms cut from random patches of tr:
 * atom a is patch floor(u_a n), u_a = xb_rng_uniform(seed, 0xd0, a); dim x
 * atoms, row-major, malloc'd (NULL if out of memory). */
double *xbx_dict_init(const xb_patches *tr, int atoms, uint64_t seed);

/* Patches per second and other speeds: a monotonic clock, seconds. */
double xbx_now(void);

/* ---- the lower layer (mc_run writes a file outside an output folder) -- */

/* A file written under "<path>.tmp" and renamed to <path> on commit. */
typedef struct xbx_file {
  FILE *fp;
  char path[1024], tmp[1040];
} xbx_file;

/* NULL (with a message on stderr) if the file cannot be created. */
xbx_file *xbx_file_open(const char *path);
/* Close, check for write errors, rename; frees f. 0 on success. */
int xbx_file_commit(xbx_file *f);
/* Close and delete the temporary; frees f. NULL is a no-op. */
void xbx_file_abort(xbx_file *f);

/* Create folder `out` if needed (one level); 0, or -1 with a message on
 * stderr naming program `name`. */
int xbx_make_dir(const char *out, const char *name);

/* Run `gnuplot -e "<vars>; png='<tmp>'" script`, then check the exit status
 * and that the PNG is not empty before renaming it to `png`. 0 on success;
 * on failure a message on stderr and no PNG. */
int xbx_gnuplot(const char *script, const char *vars, const char *png);

/* ---- a D.z read of random conductances (sneak_read, read_array) ------- */

/* An n x m array read in one parallel D.z step (seed 000 section 2.4.2):
 * a fraction of the rows active and driven at v_read, the others floating
 * or held at a bias, every column sensed. */
typedef struct xbx_dz {
  size_t n, m, nact;  /* rows, columns, active rows */
  double *g, *vin;    /* n x m conductances (S), row voltages (V) */
  unsigned char *act; /* 1: row i is active */
  xb_array *a;
} xbx_dz;
/* The conductance range of device preset `path` (and, if elec is not
 * NULL, its electrical parameters). 0, or -1 with a message under `prog`. */
int xbx_preset_bounds(const char *prog, const char *path, double *gmin,
                      double *gmax, xb_elec_params *elec);
/* Allocate d, mark exactly max(1, round(active n)) active rows
 * (xbx_pick_lines, seed, stream 2) and create the array with p (NULL: the
 * defaults). 0, or -1 with a message under `prog`; free with xbx_dz_free
 * either way. */
int xbx_dz_create(xbx_dz *d, const char *prog, size_t n, size_t m,
                  double active, uint64_t seed, const xb_array_params *p);
/* Conductances uniform in [gmin, gmax] (xbx_uniform_g, seed, stream 1)
 * into d->g and the array, every row voltage at vread. 0, or -1 with a
 * message under `prog`. */
int xbx_dz_set(xbx_dz *d, const char *prog, double gmin, double gmax,
               double vread, uint64_t seed);
/* The DC column currents (A) with the columns at vsense and the inactive
 * rows `unselected` (XB_LINE_FLOAT, or XB_LINE_DRIVE at vbias):
 * xb_array_read. XB_OK or a code with err. */
int xbx_dz_read(xbx_dz *d, int unselected, double vbias, double vsense,
                double *out, xb_err *err);
/* NULL members are fine. */
void xbx_dz_free(xbx_dz *d);

#endif
