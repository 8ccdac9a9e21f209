/*
 * device_ltp_ltd: the conductance of a device under --pulses potentiating
 * then as many depressing pulses (full-voltage set and reset pulses of the
 * preset), once for the ideal (variation-free) device and once for
 * --devices devices with the preset's cycle-to-cycle variation. Reproduces
 * the shape of seed 000 Fig. 2.3 (PCMO, Park et al. 2013, fitted by
 * Eq. 2.1/2.2).
 *
 * Output: <out>/device_ltp_ltd.csv (one line per pulse: the ideal device,
 * every device, their mean and sample sd) and <out>/device_ltp_ltd.png
 * (plots/device_ltp_ltd.gp); the device's description on stdout.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <xbar/xbar.h>

#include "exp_util.h"

static const xbx_prog prog = {
  "device_ltp_ltd",
  "conductance under LTP then LTD pulse trains, ideal and with variation",
  "Applies --pulses set pulses and then as many reset pulses (the preset's "
  "vw_set, vw_reset and t_pulse) to one ideal device and to --devices "
  "devices with cycle-to-cycle variation, recording the conductance after "
  "every pulse (seed 000 Fig. 2.3: PCMO, Eq. 2.1/2.2).",
  "device_ltp_ltd.csv one line per pulse: ideal, each device, mean, sd (S)\n"
  "device_ltp_ltd.png plots/device_ltp_ltd.gp\n"
  "stdout the device's description",
  "device_ltp_ltd --devices 5 --c2c 0.02 --out /tmp/ltp"};

/* `pulses` up then `pulses` down; g[k * ncell + i] after k pulses. */
static int run(xb_cells *c, int pulses, double *g, xb_err *err)
{
  const xb_elec_params *el = xb_device_elec(xb_cells_device(c));
  size_t n = xb_cells_count(c);
  memcpy(g, xb_cells_g(c), n * sizeof(double));
  for (int k = 1; k <= 2 * pulses; k++) {
    double v = k <= pulses ? el->vw_set : -el->vw_reset;
    for (size_t i = 0; i < n; i++)
      if (xb_cells_pulse(c, i, v, el->t_pulse, 1, err))
        return -1;
    memcpy(g + (size_t)k * n, xb_cells_g(c), n * sizeof(double));
  }
  return 0;
}

int main(int argc, char **argv)
{
  const char *model = XB_SOURCE_DIR "/models/pcmo_park2013.ini";
  const char *outdir = XB_SOURCE_DIR "/plots";
  int devices = 20, pulses = 50;
  unsigned long long seed = 1;
  double c2c = -1;
  XBX_PARSE(prog,
    XBX_STR("model", &model, "FILE", "device preset"),
    XBX_STR("out", &outdir, "DIR", "output folder"),
    XBX_INT("devices", &devices, "", 1, 10000, "devices with variation"),
    XBX_INT("pulses", &pulses, "", 1, 100000,
            "LTP pulses, then as many LTD pulses"),
    XBX_U64("seed", &seed, "seed of the cycle-to-cycle variation"),
    XBX_DOUBLE("c2c", &c2c, "", 0, 1, "cycle-to-cycle sigma, fraction of "
               "Gmax - Gmin per pulse (not set: the preset's)"));
  int rc = 1;
  xb_err err;
  xb_device *ideal = NULL, *noisy = NULL, *preset = xb_device_load(model, &err);
  xb_cells *ci = NULL, *cn = NULL;
  size_t rows = 2 * (size_t)pulses + 1, nd = (size_t)devices;
  double *gi = malloc(rows * sizeof *gi), *gn = malloc(rows * nd * sizeof *gn);
  xb_var_params var = {0};
  if (preset) {
    var = *xb_device_variation(preset);
    var.c2c = c2c >= 0 ? c2c : var.c2c;
  }
  if (!preset || !(ideal = xb_device_with_variation(preset, NULL, &err)) ||
      !(noisy = xb_device_with_variation(preset, &var, &err)) ||
      !(ci = xb_cells_create(ideal, 1, seed, &err)) ||
      !(cn = xb_cells_create(noisy, nd, seed, &err)) || !gi || !gn ||
      run(ci, pulses, gi, &err) || run(cn, pulses, gn, &err)) {
    fprintf(stderr, "%s: %s\n", prog.name,
            gi && gn ? err.msg : "out of memory");
    goto done;
  }

  char buf[4096];
  xb_device_describe(ideal, buf, sizeof buf);
  printf("%svariation: c2c = %g of (Gmax - Gmin) per pulse, %d devices\n",
         buf, var.c2c, devices);

  xbx_out *out = xbx_out_create(prog.name, outdir);
  FILE *f = xbx_out_open(out, "device_ltp_ltd.csv", "# %s: %d LTP then %d "
                         "LTD pulses; conductances in S\npulse,phase,g_ideal",
                         xb_device_name(ideal), pulses, pulses);
  if (!f) {
    xbx_out_free(out);
    goto done;
  }
  for (int i = 0; i < devices; i++)
    fprintf(f, ",g_dev%d", i + 1);
  fprintf(f, ",g_mean,g_sd\n");
  for (size_t k = 0; k < rows; k++) {
    const double *row = gn + k * nd;
    double m = 0, s = 0;
    for (int i = 0; i < devices; i++)
      m += row[i];
    m /= devices;
    for (int i = 0; i < devices; i++)
      s += (row[i] - m) * (row[i] - m);
    s = devices > 1 ? sqrt(s / (devices - 1)) : 0;
    fprintf(f, "%zu,%s,%.9e", k, k <= (size_t)pulses ? "ltp" : "ltd", gi[k]);
    for (int i = 0; i < devices; i++)
      fprintf(f, ",%.9e", row[i]);
    fprintf(f, ",%.9e,%.9e\n", m, s);
  }
  xbx_out_plot(out, "device_ltp_ltd", "ndev=%d; npulse=%d; plottitle='%s: "
               "ideal and %d devices, c2c %.2g%%'", devices, pulses,
               xbx_basename(model), devices, 100 * var.c2c);
  rc = xbx_out_end(out, 0, NULL);
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
