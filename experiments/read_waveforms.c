/*
 * read_waveforms: spike waveforms of the two integrate-and-fire read
 * circuits (seed 000 section 2.4.1, Fig. 2.11-2.14).
 *
 * A constant input current I integrates on the sense node from the reset
 * voltage (500 mV) to the upper threshold (530 mV); t_delay later the
 * output rises (one spike) and the reset gate pulls the node back below
 * the lower threshold (xbar/read.h). The seed shows the node voltage and
 * the spikes at I = 5.75 uA (6 spikes) and 1 uA (1 spike) for positive r
 * (Fig. 2.11 single-ended adaptive, 4.5 ns window; Fig. 2.12 differential,
 * 4 ns) and negative r, where the circuit counts the node's falls below
 * 500 mV (Fig. 2.13, 2.14: "the same quantization error").
 *
 * Method: both circuits with their defaults (the single-ended one with its
 * ATB) at I = +1, +5.75, -1, -5.75 uA; waveforms from xb_read_wave on 4001
 * samples per window (the model is solved event to event in closed form;
 * the samples are for the plot), counts from xb_read_count, spike times
 * from xb_read_events, checked against the seed's anchors (1 and 6).
 *
 * Outputs: read_waveforms.csv and .png (plots/read_waveforms.gp), the
 * counts and spike times on stdout and a JSON line. Milliseconds.
 */
#include <math.h>

#include "exp_util.h"

#define NS 4001  /* samples per waveform */
#define NCUR 4
#define MAXSP 64 /* spike times kept per waveform */

static const double CUR[NCUR] = {1e-6, 5.75e-6, -1e-6, -5.75e-6}; /* A */
static const int ANCHOR[NCUR] = {1, 6, 1, 6}; /* seed Fig. 2.11-2.14 */

static const xbx_prog prog = {
  "read_waveforms",
  "spike waveforms of the integrate-and-fire read circuits",
  "The single-ended adaptive and the differential read circuit integrate "
  "+-1 and +-5.75 uA over their window: node voltage, output, spike "
  "counts and times, checked against the seed's 1 and 6 spikes (seed 000 "
  "Fig. 2.11-2.14).",
  "read_waveforms.csv node voltage and output of each circuit and current, "
  "4001 samples per window\n"
  "read_waveforms.png plots/read_waveforms.gp\n"
  "stdout the counts, spike times and a final JSON line",
  "read_waveforms --out /tmp/wave"};

int main(int argc, char **argv)
{
  const char *outdir = XB_SOURCE_DIR "/plots";
  XBX_PARSE(prog,
    XBX_STR("out", &outdir, "DIR", "output folder"));
  int rc = 1;
  const xb_read_type *types[2] = {xb_read_se_adaptive, xb_read_diff};
  xb_read *r[2] = {NULL, NULL};
  static double t[2][NS], v[2][NCUR][NS], o[2][NCUR][NS];
  double times[2][NCUR][MAXSP];
  int count[2][NCUR], anchors_ok = 1;
  size_t nev[2][NCUR];
  xbx_out *out = NULL;
  xb_err err;
  printf("read_waveforms: integrate-and-fire read waveforms (seed 000 Fig. "
         "2.11-2.14)\n");
  for (int c = 0; c < 2; c++) {
    if (!(r[c] = xb_read_create(types[c], NULL, &err))) {
      fprintf(stderr, "read_waveforms: %s\n", err.msg);
      goto done;
    }
    const xb_read_params *p = xb_read_params_of(r[c]);
    for (int k = 0; k < NS; k++)
      t[c][k] = p->window * k / (NS - 1);
    double unit = p->c_int * (p->v_th - p->v_reset) / p->window;
    printf("\n  %s: C %.4g F, V_reset %.4g V, V_th %.4g V, V_tl %.4g V, "
           "t_delay %.3g s, R_reset %.4g Ohm, window %.3g s, ATB %.3g V\n",
           types[c]->name, p->c_int, p->v_reset, p->v_th, p->v_tl,
           p->t_delay, p->r_reset, p->window, p->atb_dv);
    printf("  %10s %7s %7s %12s  %s\n", "I (uA)", "spikes", "seed",
           "floor(IT/CdV)", "spike times (ns)");
    for (int q = 0; q < NCUR; q++) {
      if (xb_read_wave(r[c], CUR[q], t[c], NS, v[c][q], o[c][q], &err) ||
          xb_read_count(r[c], CUR[q], &count[c][q], &err) ||
          xb_read_events(r[c], CUR[q], p->window, times[c][q], MAXSP,
                         &nev[c][q], &err)) {
        fprintf(stderr, "read_waveforms: %s at %g A: %s\n", types[c]->name,
                CUR[q], err.msg);
        goto done;
      }
      int ok = count[c][q] == ANCHOR[q];
      anchors_ok &= ok;
      printf("  %+10.3f %7d %7d %12d  ", CUR[q] * 1e6, count[c][q],
             ANCHOR[q], (int)floor(fabs(CUR[q]) / unit));
      for (size_t k = 0; k < nev[c][q] && k < MAXSP; k++)
        printf("%s%.4f", k ? " " : "", times[c][q][k] * 1e9);
      printf("%s\n", ok ? "" : "   <- differs from the seed");
    }
  }

  out = xbx_out_create(prog.name, outdir);
  FILE *f = xbx_out_open(out, "read_waveforms.csv",
                         "# read_waveforms: node voltage (V) and output "
                         "(0/1) of the read circuits, %d samples over each "
                         "window\nt_se_ns,t_diff_ns", NS);
  if (!f)
    goto done;
  for (int c = 0; c < 2; c++)
    for (int q = 0; q < NCUR; q++)
      fprintf(f, ",v_%s_%+.2fuA,out_%s_%+.2fuA", types[c]->name,
              CUR[q] * 1e6, types[c]->name, CUR[q] * 1e6);
  fprintf(f, "\n");
  for (int k = 0; k < NS; k++) {
    fprintf(f, "%.6f,%.6f", t[0][k] * 1e9, t[1][k] * 1e9);
    for (int c = 0; c < 2; c++)
      for (int q = 0; q < NCUR; q++)
        fprintf(f, ",%.9f,%.0f", v[c][q][k], o[c][q][k]);
    fprintf(f, "\n");
  }
  const xb_read_params *ps = xb_read_params_of(r[0]),
                       *pd = xb_read_params_of(r[1]);
  xbx_out_plot(out, "read_waveforms",
               "vr=%.17g; vth_se=%.17g; vth_atb=%.17g; vtl_se=%.17g; "
               "vth_d=%.17g; vtl_d=%.17g; T_se=%.17g; T_d=%.17g; "
               "n_se='%d %d %d %d'; n_d='%d %d %d %d'",
               ps->v_reset, ps->v_th, xb_read_threshold(r[0], 5.75e-6),
               ps->v_tl, pd->v_th, pd->v_tl, ps->window * 1e9,
               pd->window * 1e9, count[0][0], count[0][1], count[0][2],
               count[0][3], count[1][0], count[1][1], count[1][2],
               count[1][3]);
  /* anchors_ok: "%.5s" prints the word bare, a JSON true or false. */
  rc = xbx_out_end(out, 0,
                   "experiment=%s currents_ua=[1,5.75,-1,-5.75] "
                   "se_adaptive=[%d,%d,%d,%d] diff=[%d,%d,%d,%d] "
                   "seed=[1,6,1,6] anchors_ok=%.5s",
                   prog.name, count[0][0], count[0][1], count[0][2],
                   count[0][3], count[1][0], count[1][1], count[1][2],
                   count[1][3], anchors_ok ? "true" : "false");
  out = NULL;
done:
  xbx_out_free(out);
  xb_read_free(r[0]);
  xb_read_free(r[1]);
  return rc;
}
