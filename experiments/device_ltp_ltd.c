/*
 * device_ltp_ltd: the conductance of a device under 50 potentiating then 50
 * depressing pulses, once for the ideal (variation-free) device and once for
 * 20 devices with the preset's cycle-to-cycle variation. Reproduces the
 * shape of seed 000 Fig. 2.3 (PCMO, Park et al. 2013, fitted by Eq. 2.1/2.2).
 *
 * Output: <out>/device_ltp_ltd.csv and <out>/device_ltp_ltd.png (gnuplot,
 * script plots/device_ltp_ltd.gp). Both are written under temporary names
 * and renamed when complete, so a failed run never leaves a file that looks
 * finished.
 *
 * usage: device_ltp_ltd [--model FILE.ini] [--out DIR] [--devices N]
 *                       [--pulses N] [--seed S] [--c2c SIGMA]
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xbar/xbar.h>

#include "exp_util.h"

typedef struct options {
  const char *model, *out, *gp;
  int devices, pulses;
  unsigned long long seed;
  double c2c; /* < 0: keep the preset's */
} options;

static void usage(FILE *f)
{
  fprintf(f,
          "usage: device_ltp_ltd [--model FILE.ini] [--out DIR] [--devices N]\n"
          "                      [--pulses N] [--seed S] [--c2c SIGMA]\n"
          "  --model    device preset (default models/pcmo_park2013.ini)\n"
          "  --out      output folder (default plots)\n"
          "  --devices  devices with variation (default 20)\n"
          "  --pulses   LTP pulses, then as many LTD pulses (default 50)\n"
          "  --seed     random seed (default 1)\n"
          "  --c2c      cycle-to-cycle sigma, fraction of Gmax-Gmin\n"
          "             (default: the preset's value)\n");
}

static int parse(int argc, char **argv, options *o)
{
  o->model = XB_SOURCE_DIR "/models/pcmo_park2013.ini";
  o->out = XB_SOURCE_DIR "/plots";
  o->gp = XB_SOURCE_DIR "/plots/device_ltp_ltd.gp";
  o->devices = 20;
  o->pulses = 50;
  o->seed = 1;
  o->c2c = -1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      usage(stdout);
      exit(0);
    }
    if (!v) {
      fprintf(stderr, "device_ltp_ltd: %s needs a value\n", a);
      return -1;
    }
    i++;
    if (!strcmp(a, "--model"))
      o->model = v;
    else if (!strcmp(a, "--out"))
      o->out = v;
    else if (!strcmp(a, "--devices") && xbx_parse_int(v, 1, 10000, &o->devices))
      ;
    else if (!strcmp(a, "--pulses") && xbx_parse_int(v, 1, 100000, &o->pulses))
      ;
    else if (!strcmp(a, "--seed") && xbx_parse_u64(v, &o->seed))
      ;
    else if (!strcmp(a, "--c2c") && xbx_parse_double(v, 0, 1, &o->c2c))
      ;
    else {
      fprintf(stderr, "device_ltp_ltd: bad option or value: %s %s\n", a, v);
      usage(stderr);
      return -1;
    }
  }
  return 0;
}

/* Pulse train: `pulses` up then `pulses` down; g[k * ncell + i] after k
 * pulses. */
static int run(xb_cells *c, int pulses, double *g)
{
  const xb_device *d = xb_cells_device(c);
  const xb_elec_params *el = xb_device_elec(d);
  size_t n = xb_cells_count(c);
  xb_err err;
  memcpy(g, xb_cells_g(c), n * sizeof(double));
  for (int k = 1; k <= 2 * pulses; k++) {
    double v = k <= pulses ? el->vw_set : -el->vw_reset;
    for (size_t i = 0; i < n; i++)
      if (xb_cells_pulse(c, i, v, el->t_pulse, 1, &err)) {
        fprintf(stderr, "device_ltp_ltd: %s\n", err.msg);
        return -1;
      }
    memcpy(g + (size_t)k * n, xb_cells_g(c), n * sizeof(double));
  }
  return 0;
}

int main(int argc, char **argv)
{
  options o;
  if (parse(argc, argv, &o))
    return 2;
  xb_err err;
  xb_device *preset = xb_device_load(o.model, &err);
  if (!preset) {
    fprintf(stderr, "device_ltp_ltd: %s\n", err.msg);
    return 1;
  }
  xb_var_params var = *xb_device_variation(preset);
  if (o.c2c >= 0)
    var.c2c = o.c2c;
  xb_device *ideal = xb_device_with_variation(preset, NULL, &err);
  xb_device *noisy = ideal ? xb_device_with_variation(preset, &var, &err)
                           : NULL;
  xb_cells *ci = ideal ? xb_cells_create(ideal, 1, o.seed, &err) : NULL;
  xb_cells *cn = ci ? xb_cells_create(noisy, (size_t)o.devices, o.seed, &err)
                    : NULL;
  size_t rows = 2 * (size_t)o.pulses + 1;
  double *gi = malloc(rows * sizeof(double));
  double *gn = malloc(rows * (size_t)o.devices * sizeof(double));
  int rc = 1;
  if (!cn || !gi || !gn) {
    fprintf(stderr, "device_ltp_ltd: %s\n",
            !cn ? err.msg : "out of memory");
    goto done;
  }
  if (run(ci, o.pulses, gi) || run(cn, o.pulses, gn))
    goto done;

  char buf[4096];
  xb_device_describe(ideal, buf, sizeof buf);
  printf("%s", buf);
  printf("variation: c2c = %g of (Gmax - Gmin) per pulse, %d devices\n",
         var.c2c, o.devices);

  /* CSV: pulse, phase, ideal, each device, mean and sd over devices (S). */
  if (mkdir(o.out, 0777) && errno != EEXIST) {
    fprintf(stderr, "device_ltp_ltd: cannot create %s: %s\n", o.out,
            strerror(errno));
    goto done;
  }
  char csv[1024], png[1024];
  snprintf(csv, sizeof csv, "%s/device_ltp_ltd.csv", o.out);
  snprintf(png, sizeof png, "%s/device_ltp_ltd.png", o.out);
  xbx_file *f = xbx_file_open(csv);
  if (!f)
    goto done;
  fprintf(f->fp, "# %s: %d LTP then %d LTD pulses; conductances in S\n",
          xb_device_name(ideal), o.pulses, o.pulses);
  fprintf(f->fp, "pulse,phase,g_ideal");
  for (int i = 0; i < o.devices; i++)
    fprintf(f->fp, ",g_dev%d", i + 1);
  fprintf(f->fp, ",g_mean,g_sd\n");
  for (size_t k = 0; k < rows; k++) {
    const double *row = gn + k * (size_t)o.devices;
    double m = 0, s = 0;
    for (int i = 0; i < o.devices; i++)
      m += row[i];
    m /= o.devices;
    for (int i = 0; i < o.devices; i++)
      s += (row[i] - m) * (row[i] - m);
    s = o.devices > 1 ? sqrt(s / (o.devices - 1)) : 0;
    fprintf(f->fp, "%zu,%s,%.9e", k, k <= (size_t)o.pulses ? "ltp" : "ltd",
            gi[k]);
    for (int i = 0; i < o.devices; i++)
      fprintf(f->fp, ",%.9e", row[i]);
    fprintf(f->fp, ",%.9e,%.9e\n", m, s);
  }
  if (xbx_file_commit(f))
    goto done;

  char title[256];
  snprintf(title, sizeof title, "%s: ideal and %d devices, c2c %.2g%%",
           o.model[0] ? strrchr(o.model, '/') ? strrchr(o.model, '/') + 1
                                              : o.model
                      : "",
           o.devices, 100 * var.c2c);
  char vars[2048];
  snprintf(vars, sizeof vars,
           "csv='%s'; ndev=%d; npulse=%d; plottitle='%s'", csv, o.devices,
           o.pulses, title);
  if (xbx_gnuplot(o.gp, vars, png))
    goto done;
  printf("wrote %s\nwrote %s\n", csv, png);
  rc = 0;

done:
  free(gi);
  free(gn);
  xb_cells_free(ci);
  xb_cells_free(cn);
  xb_device_free(ideal);
  xb_device_free(noisy);
  xb_device_free(preset);
  return rc;
}
