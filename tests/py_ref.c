/*
 * py_ref: reference results for the Python binding's tests
 * (python/tests). Runs fixed inputs through the C API and prints one line
 * per result, `key value...`, doubles as C99 hex floats (%a), so the
 * Python tests compare every number bit for bit with what the same library
 * computes from C (float.fromhex). Keys are the tests' names for them.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xbar/xbar.h>

static void put(const char *key, const double *v, size_t n)
{
  printf("%s", key);
  for (size_t k = 0; k < n; k++)
    printf(" %a", v[k]);
  printf("\n");
}

static void puti(const char *key, const long long *v, size_t n)
{
  printf("%s", key);
  for (size_t k = 0; k < n; k++)
    printf(" %lld", v[k]);
  printf("\n");
}

static int die(const char *what, const xb_err *e)
{
  fprintf(stderr, "py_ref: %s: %s\n", what, e->msg);
  return 1;
}

int main(void)
{
  xb_err e;
  xb_err_clear(&e);
  /* parameter defaults, for the table-built structs */
  xb_array_params ap;
  xb_param_defaults(&xb_array_param_set, &ap);
  put("array_defaults", &ap.rw_row, 4);

  /* device and cells: the PCMO preset with c2c and read noise, a parallel
   * write, a pulse train, noisy reads */
  xb_device *d0 = xb_device_load(XB_SOURCE_DIR "/models/pcmo_park2013.ini",
                                 &e);
  if (!d0)
    return die("device", &e);
  xb_var_params var;
  xb_param_defaults(&xb_var_param_set, &var);
  var.c2c = 0.01;
  var.read = 0.02;
  var.d2d_g = 0.1;
  xb_device *d = xb_device_with_variation(d0, &var, &e);
  xb_cells *c = d ? xb_cells_create(d, 6, 11, &e) : NULL;
  if (!c)
    return die("cells", &e);
  const double vw[6] = {2.0, -2.0, 1.6, 1.0, 2.0, 2.0};
  if (xb_cells_pulse_all(c, vw, 1e-3, &e) ||
      xb_cells_pulse(c, 2, 2.0, 0.5e-3, 7, &e))
    return die("pulse", &e);
  put("cells_g", xb_cells_g(c), 6);
  double rd[6];
  for (size_t k = 0; k < 6; k++)
    xb_cells_read(c, k, 0.2, 5, &rd[k], NULL);
  put("cells_read", rd, 6);
  double lv = xb_device_levels(d), gb[2];
  xb_device_bounds(d, &gb[0], &gb[1]);
  put("device_bounds", gb, 2);
  put("device_levels", &lv, 1);
  xb_cells_free(c);
  xb_device_free(d);
  xb_device_free(d0);

  /* the fitter on a synthetic LTP curve */
  double fp[20], fg[20];
  for (int k = 0; k < 20; k++) {
    fp[k] = k;
    fg[k] = 1e-8 + 5e-8 * (1.0 - exp(-k / 7.0)) + 1e-10 * sin(k);
  }
  xb_exp_fit f;
  if (xb_exp_fit_data(fp, fg, 20, &f, &e))
    return die("fit", &e);
  put("fit_g", fg, 20);
  double fr[5] = {f.a, f.b, f.g0, f.dir, f.rms};
  put("fit", fr, 5);

  /* array: 3 x 4, per-segment row wires; reads both ways, V/2 bias, KLU */
  enum { AN = 3, AM = 4 };
  double ag[AN * AM], arw[AN * (AM - 1)];
  for (int k = 0; k < AN * AM; k++)
    ag[k] = 1e-6 * (1 + (k * 7) % 11);
  for (int k = 0; k < AN * (AM - 1); k++)
    arw[k] = 0.5 + 0.125 * k;
  put("array_g", ag, AN * AM);
  put("array_rw_row", arw, AN * (AM - 1));
  xb_array *a = xb_array_create(AN, AM, NULL, &e);
  if (!a || xb_array_set_g(a, ag, &e) || xb_array_set_rw(a, XB_ROW, arw, &e))
    return die("array", &e);
  const double vin[AN] = {0.1, 0.2, 0.3};
  double iout[AM], vr[AN * AM], vc[AN * AM];
  if (xb_array_read(a, XB_ROW, vin, NULL, XB_LINE_FLOAT, 0, 0, iout, &e))
    return die("read", &e);
  xb_array_node_v(a, vr, vc);
  put("array_read_i", iout, AM);
  put("array_read_vrow", vr, AN * AM);
  put("array_read_vcol", vc, AN * AM);
  const double vx[AM] = {0.2, 0.4, 0.1, 0.3};
  const unsigned char act[AM] = {1, 0, 1, 1};
  double irow[AN];
  if (xb_array_read(a, XB_COL, vx, act, XB_LINE_DRIVE, 0.05, 0.01, irow, &e))
    return die("read col", &e);
  put("array_readT_i", irow, AN);
  const double bvr[AN] = {2, 1, 1}, bvc[AM] = {0, 1, 1, 1};
  double cv[AN * AM];
  if (xb_array_bias_write(a, bvr, bvc, &e))
    return die("bias", &e);
  xb_array_cell_v(a, cv);
  put("array_bias_cellv", cv, AN * AM);
  xb_array_params sp = *xb_array_params_of(a);
  sp.solver = 1;
  if (xb_array_set_solver(a, &sp, &e) ||
      xb_array_read(a, XB_ROW, vin, NULL, XB_LINE_FLOAT, 0, 0, iout, &e))
    return die("klu", &e);
  put("array_klu_i", iout, AM);
  xb_array_free(a);

  /* an array on cells with the sinh I-V (Newton) */
  xb_elec_params el;
  xb_param_defaults(&xb_elec_param_set, &el);
  el.iv = 1;
  el.v_iv = 0.25;
  xb_device *dl = xb_device_create(xb_device_linear, NULL, NULL, &el, NULL,
                                   &e);
  xb_cells *cl = dl ? xb_cells_create(dl, 4, 3, &e) : NULL;
  xb_array *an = xb_array_create(2, 2, NULL, &e);
  const double glin[4] = {2e-8, 5e-8, 7e-8, 1e-7};
  for (size_t k = 0; k < 4 && cl; k++)
    xb_cells_set_g(cl, k, glin[k], NULL);
  const double vn[2] = {0.5, 0.3};
  double in[2];
  if (!cl || !an || xb_array_set_cells(an, cl, &e) ||
      xb_array_read(an, XB_ROW, vn, NULL, XB_LINE_FLOAT, 0, 0, in, &e))
    return die("newton", &e);
  put("array_newton_i", in, 2);
  xb_solve_stats st;
  xb_array_stats(an, &st);
  long long nst = st.newton;
  puti("array_newton_steps", &nst, 1);
  xb_array_free(an);
  xb_cells_free(cl);
  xb_device_free(dl);

  /* read circuits: the calibrated single-ended preset */
  xb_read *rc = xb_read_load(XB_SOURCE_DIR "/models/read_se_65nm.ini", &e);
  if (!rc)
    return die("read", &e);
  long long cnt[8];
  double cur[8];
  for (int k = 0; k < 8; k++) {
    int nsp;
    cur[k] = 0.75e-6 * (k + 1);
    if (xb_read_count(rc, cur[k], &nsp, &e))
      return die("count", &e);
    cnt[k] = nsp;
  }
  put("read_currents", cur, 8);
  puti("read_counts", cnt, 8);
  double tev[64];
  size_t nev;
  if (xb_read_events(rc, 5e-6, 10e-9, tev, 64, &nev, &e))
    return die("events", &e);
  put("read_events", tev, nev);
  double thr = xb_read_threshold(rc, 6e-6);
  put("read_threshold", &thr, 1);
  /* D.z on a 4 x 3 array and its transient read */
  double dg[12];
  for (int k = 0; k < 12; k++)
    dg[k] = 2e-6 * (1 + (k * 5) % 7);
  put("dz_g", dg, 12);
  xb_array *da = xb_array_create(4, 3, NULL, &e);
  if (!da || xb_array_set_g(da, dg, &e))
    return die("dz array", &e);
  const unsigned z[4] = {3, 0, 15, 9};
  int dz[3];
  if (xb_read_dz(rc, da, XB_ROW, z, 4, 0.2, XB_LINE_FLOAT, 0, dz, &e))
    return die("dz", &e);
  long long dzl[3] = {dz[0], dz[1], dz[2]};
  puti("dz", dzl, 3);
  xb_transient_params tp;
  xb_param_defaults(&xb_transient_param_set, &tp);
  const double tv[4] = {0.7, 0.7, 0.5, 0.7}; /* 0.2 V above V_reset */
  int tsp[3];
  double tt[3 * 4];
  xb_transient_stats tst;
  if (xb_read_transient(rc, da, XB_ROW, tv, NULL, XB_LINE_FLOAT, 0, NULL,
                        &tp, tsp, tt, 4, &tst, &e))
    return die("transient", &e);
  long long tspl[3] = {tsp[0], tsp[1], tsp[2]};
  puti("transient_spikes", tspl, 3);
  put("transient_t0", tt, 1);
  xb_array_free(da);
  xb_read_free(rc);

  /* the overlap write: generators, the overlap table, a parallel write */
  xb_write_params wp;
  xb_param_defaults(&xb_write_param_set, &wp);
  double zw[2], rp[16];
  int nrp, hrp;
  if (xb_write_z_window(&wp, 5, 1, &zw[0], &zw[1], &e) ||
      xb_write_r_pulses(&wp, -3, 1, rp, 16, &nrp, &hrp, &e))
    return die("write generators", &e);
  put("write_zwin", zw, 2);
  put("write_rpulses", rp, (size_t)nrp);
  long long hl = hrp;
  puti("write_rhalf", &hl, 1);
  double ov[31 * 3], id[31 * 3];
  for (int r = -15; r <= 15; r++)
    for (int zz = 0; zz < 3; zz++) {
      ov[(r + 15) * 3 + zz] = xb_write_overlap(&wp, r, zz * 7);
      id[(r + 15) * 3 + zz] = xb_write_ideal(&wp, r, zz * 7);
    }
  put("write_overlap", ov, 31 * 3);
  put("write_ideal", id, 31 * 3);
  xb_device *wd = xb_device_load(XB_SOURCE_DIR "/models/pcmo_parca.ini", &e);
  xb_cells *wc = wd ? xb_cells_create(wd, 9, 2, &e) : NULL;
  xb_array *wa = xb_array_create(3, 3, NULL, &e);
  if (!wc || !wa || xb_cells_reset(wc, 2e-8, &e) ||
      xb_array_set_cells(wa, wc, &e))
    return die("write setup", &e);
  const int wr[3] = {3, -5, 0}, wz[3] = {4, 16, 0};
  xb_write_stats ws;
  if (xb_write_parallel(wa, wc, &wp, wr, wz, &ws, &e))
    return die("write", &e);
  put("write_g", xb_cells_g(wc), 9);
  long long wsl = ws.slices;
  puti("write_slices", &wsl, 1);
  put("write_vfull_min", &ws.v_full_min, 1);
  xb_array_free(wa);
  xb_cells_free(wc);
  xb_device_free(wd);

  /* SAR ADC with mismatch and noise */
  xb_sar_params sarp;
  xb_param_defaults(&xb_sar_param_set, &sarp);
  sarp.bits = 6;
  sarp.sigma_cu = 0.02;
  sarp.noise = 1e-3;
  xb_sar *sar = xb_sar_create(&sarp, 5, &e);
  if (!sar)
    return die("sar", &e);
  double svin[50];
  long long scode[50];
  for (int k = 0; k < 50; k++) {
    svin[k] = 0.0199 * k;
    scode[k] = xb_sar_convert(sar, svin[k], k % 3 == 0 ? 4 : 0, (uint64_t)k);
  }
  put("sar_vin", svin, 50);
  puti("sar_codes", scode, 50);
  double sinl[64], slev[64];
  if (xb_sar_code_density(sar, 16, NULL, NULL, sinl, &e))
    return die("code density", &e);
  for (uint32_t c2 = 0; c2 < 64; c2++)
    slev[c2] = xb_sar_level(sar, c2);
  put("sar_inl", sinl, 64);
  put("sar_levels", slev, 64);
  xb_sar_free(sar);

  /* sliced weights: MVM through an 8-bit ideal ADC, OPA, CRS */
  xb_slicing lay = {3, {2, 2, 2}, {3, 3, 4}};
  xb_sliced *w = xb_sliced_create(4, 3, &lay, &e);
  int64_t W[12], y[3], Wb[12];
  for (int k = 0; k < 12; k++)
    W[k] = k * 5 - 30;
  xb_sar_params ip;
  xb_param_defaults(&xb_sar_param_set, &ip);
  ip.bits = 6;
  ip.v_fs = 0.5;
  xb_sar *iadc = xb_sar_create(&ip, 1, &e);
  const int64_t x[4] = {3, -4, 7, -8};
  if (!w || !iadc || xb_sliced_set(w, W, &e) ||
      xb_sliced_mvm(w, x, 4, iadc, 0, y, &e))
    return die("sliced", &e);
  long long yl[3] = {y[0], y[1], y[2]};
  puti("sliced_mvm_adc", yl, 3);
  const int32_t ob[4] = {1, -2, 3, 0}, oa[3] = {2, 1, -1};
  size_t clip;
  if (xb_sliced_opa(w, ob, oa, &clip, &e))
    return die("opa", &e);
  xb_sliced_get(w, Wb);
  long long wl[13];
  for (int k = 0; k < 12; k++)
    wl[k] = Wb[k];
  wl[12] = (long long)clip;
  puti("sliced_opa_w_clip", wl, 13);
  if (xb_sliced_crs(w, &e))
    return die("crs", &e);
  const int32_t *lv0 = xb_sliced_levels(w, 0);
  long long l0[12];
  for (int k = 0; k < 12; k++)
    l0[k] = lv0[k];
  puti("sliced_crs_levels0", l0, 12);
  xb_sar_free(iadc);
  xb_sliced_free(w);

  /* Monte Carlo: LHS samples of two parameters, a quantile, a summary */
  xb_mc_param mp[2];
  memset(mp, 0, sizeof mp);
  strcpy(mp[0].name, "v_th");
  mp[0].dist = XB_DIST_NORMAL;
  mp[0].mean = 0.53;
  mp[0].sigma = 0.003;
  strcpy(mp[1].name, "c_int");
  mp[1].dist = XB_DIST_TRUNCNORMAL;
  mp[1].mean = 150e-15;
  mp[1].sigma = 20e-15;
  mp[1].lo = 120e-15;
  mp[1].hi = 170e-15;
  xb_mc_study *ms = xb_mc_study_create(mp, 2, 16, 9, 1, &e);
  if (!ms)
    return die("study", &e);
  double mx[32];
  for (size_t i = 0; i < 16; i++)
    xb_mc_sample(ms, i, &mx[2 * i]);
  put("mc_samples", mx, 32);
  double mq = xb_mc_quantile(xb_mc_study_param(ms, 1), 0.3);
  put("mc_quantile", &mq, 1);
  xb_mc_summary sm;
  xb_mc_summarize(mx, 32, &sm);
  double smv[7] = {sm.mean, sm.sigma, sm.min, sm.max, sm.q05, sm.q50, sm.q95};
  put("mc_summary", smv, 7);
  xb_mc_study_free(ms);
  return 0;
}
