/*
 * bench_tiles: inference throughput of a 784-256-10 MLP on crossbar tiles
 * with every tile's wire network solved exactly (xbar/tile.h), against the
 * ideal float path of the same API, in one run (issue 17: the exact path
 * should keep at least 0.2 of the ideal throughput on this 2-core
 * machine).
 *
 * The two layers are random N(0, 1 / fan_in) matrices (no trained weights
 * are needed for a speed measurement), ReLU between them; the inputs are
 * the first `batch` MNIST digits scaled to [0, 1] when the cache exists,
 * else uniform random pixels. The exact path maps both layers on
 * rows x cols tiles of the PCMO preset (models/pcmo_park2013.ini, 50
 * levels, c2c 0.5 %) with rw per wire segment, 8-bit unsigned inputs and
 * adc_bits column ADCs calibrated on the batch (layer 2 on layer 1's
 * tile outputs). build_s is the time of programming the cells and
 * building the transfer matrices (rows array solves per tile); the
 * throughputs count batched forward passes only, repeated for at least
 * --seconds each. Also printed: how often the two paths pick the same
 * output (argmax) and the rms output difference relative to the ideal
 * rms. --bit-serial 1 reads one bit plane per cycle (8 reads per input).
 *
 * One JSON line per path, then a final summary line.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <omp.h>

#include <xbar/xbar.h>

#include "exp_util.h"

static const xbx_prog prog = {
  "bench_tiles", "inference throughput of an MLP on exact IR-drop tiles",
  "A 784-256-10 MLP of random weights on rows x cols tiles of --device, "
  "every tile's wire network solved exactly, against the ideal float path "
  "of the same API; reports both throughputs, their ratio, the argmax "
  "agreement and the rms output difference.",
  "stdout one JSON line per path, then a summary line",
  "bench_tiles --batch 200 --seconds 0.5"};

enum { NIN = 784, NHID = 256, NOUT = 10 };

typedef struct mlp {
  xb_tiled *l1, *l2;
} mlp;

/* Y (n x NOUT) from X (n x NIN); H (n x NHID) is work space. */
static int forward(const mlp *m, const double *X, size_t n, double *H,
                   double *Y, xb_err *e)
{
  int rc = xb_tiled_mvm(m->l1, X, n, H, e);
  for (size_t k = 0; !rc && k < n * NHID; k++)
    H[k] = H[k] > 0 ? H[k] : 0;
  return rc ? rc : xb_tiled_mvm(m->l2, H, n, Y, e);
}

/* Forward passes per second over at least `seconds`. */
static double throughput(const mlp *m, const double *X, size_t n, double *H,
                         double *Y, double seconds, xb_err *e)
{
  size_t reps = 0;
  double t0 = xbx_now(), t;
  do {
    if (forward(m, X, n, H, Y, e))
      return -1;
    reps++;
    t = xbx_now() - t0;
  } while (t < seconds);
  return (double)(reps * n) / t;
}

static void random_layer(double *W, size_t fan_in, size_t fan_out,
                         uint64_t seed, uint64_t stream)
{
  for (size_t k = 0; k < fan_in * fan_out; k++)
    W[k] = xb_rng_normal(seed, stream, k) / sqrt((double)fan_in);
}

static int fail(const char *what, const xb_err *e)
{
  fprintf(stderr, "bench_tiles: %s: %s\n", what, e->msg);
  return 1;
}

int main(int argc, char **argv)
{
  int batch = 1000, rows = 128, cols = 128, adc_bits = 8, bit_serial = 0;
  double seconds = 2.0, rw = 0.634;
  unsigned long long seed = 1;
  const char *device = XB_SOURCE_DIR "/models/pcmo_park2013.ini";
  XBX_PARSE(prog,
    XBX_INT("batch", &batch, "", 1, 100000, "inputs per forward pass"),
    XBX_DOUBLE("seconds", &seconds, "s", 0, 3600,
               "minimum time of each throughput measurement"),
    XBX_INT("rows", &rows, "", 1, 4096, "tile rows"),
    XBX_INT("cols", &cols, "", 2, 4096, "tile columns"),
    XBX_DOUBLE("rw", &rw, "Ohm", 1e-6, 1e9, "wire resistance per segment"),
    XBX_INT("adc-bits", &adc_bits, "", 0, 24, "column ADC resolution"),
    XBX_INT("bit-serial", &bit_serial, "", 0, 2,
            "input encoding (1: one bit plane per read cycle)"),
    XBX_STR("device", &device, "FILE", "device preset of the tiles"),
    XBX_U64("seed", &seed, "seed of the weights, inputs and variation"));
  size_t n = (size_t)batch;
  double *W1 = malloc(NIN * NHID * sizeof(double));
  double *W2 = malloc(NHID * NOUT * sizeof(double));
  double *X = malloc(n * NIN * sizeof(double));
  double *H = malloc(n * NHID * sizeof(double));
  double *Yi = malloc(n * NOUT * sizeof(double));
  double *Ye = malloc(n * NOUT * sizeof(double));
  if (!W1 || !W2 || !X || !H || !Yi || !Ye) {
    fprintf(stderr, "bench_tiles: out of memory\n");
    return 1;
  }
  random_layer(W1, NIN, NHID, seed, 1);
  random_layer(W2, NHID, NOUT, seed, 2);
  xb_err e;
  xb_images *im = xb_mnist_load(NULL, &e);
  const char *inputs = im && im->n >= n ? "mnist" : "random";
  for (size_t k = 0; k < n * NIN; k++)
    X[k] = im && im->n >= n ? im->pix[k] / 255.0
                            : xb_rng_uniform(seed, 3, k);
  xb_images_free(im);

  xb_device *dev = xb_device_load(device, &e);
  if (!dev)
    return fail(device, &e);
  xb_tile_params p;
  xb_tile_params_default(&p);
  p.rows = rows;
  p.cols = cols;
  p.rw = rw;
  p.x_signed = 0;
  p.x_max = 0; /* from the calibration batch */
  p.adc_bits = adc_bits;
  p.bit_serial = bit_serial;

  mlp ideal = {xb_tiled_create(NIN, NHID, W1, NULL, &p, NULL, seed, &e), NULL};
  ideal.l2 = ideal.l1 ? xb_tiled_create(NHID, NOUT, W2, NULL, &p, NULL, seed,
                                        &e)
                      : NULL;
  if (!ideal.l2)
    return fail("ideal layers", &e);
  double t0 = xbx_now();
  mlp exact = {xb_tiled_create(NIN, NHID, W1, NULL, &p, dev, seed, &e), NULL};
  if (!exact.l1 || xb_tiled_calibrate(exact.l1, X, n, &e) ||
      xb_tiled_mvm(exact.l1, X, n, H, &e))
    return fail("layer 1 on tiles", &e);
  for (size_t k = 0; k < n * NHID; k++)
    H[k] = H[k] > 0 ? H[k] : 0;
  exact.l2 = xb_tiled_create(NHID, NOUT, W2, NULL, &p, dev, seed + 1, &e);
  if (!exact.l2 || xb_tiled_calibrate(exact.l2, H, n, &e))
    return fail("layer 2 on tiles", &e);
  double build_s = xbx_now() - t0;

  double ideal_ips = throughput(&ideal, X, n, H, Yi, seconds, &e);
  double exact_ips = throughput(&exact, X, n, H, Ye, seconds, &e);
  if (ideal_ips < 0 || exact_ips < 0)
    return fail("forward pass", &e);
  size_t agree = 0;
  double d2 = 0, y2 = 0;
  for (size_t b = 0; b < n; b++) {
    size_t ai = 0, ae = 0;
    for (size_t j = 0; j < NOUT; j++) {
      ai = Yi[b * NOUT + j] > Yi[b * NOUT + ai] ? j : ai;
      ae = Ye[b * NOUT + j] > Ye[b * NOUT + ae] ? j : ae;
      d2 += pow(Ye[b * NOUT + j] - Yi[b * NOUT + j], 2);
      y2 += pow(Yi[b * NOUT + j], 2);
    }
    agree += ai == ae;
  }
  size_t tiles = xb_tiled_tiles(exact.l1) + xb_tiled_tiles(exact.l2);
  char tile[32];
  snprintf(tile, sizeof tile, "%dx%d", rows, cols);
  xbx_json_print(1, "path=%s inputs_per_s=%.6g", "ideal", ideal_ips);
  xbx_json_print(1, "path=%s inputs_per_s=%.6g build_s=%.4g tiles=%zu",
                 "exact_ir_drop", exact_ips, build_s, tiles);
  xbx_json_print(1, "bench=%s net=%s inputs=%s batch=%zu tile=%s rw=%g "
                 "adc_bits=%d bit_serial=%d tiles=%zu build_s=%.4g "
                 "ideal_inputs_per_s=%.6g exact_inputs_per_s=%.6g "
                 "ratio=%.4g argmax_agree=%.4g rel_rms_diff=%.4g threads=%d",
                 "tiles", "784-256-10", inputs, n, tile, rw, adc_bits,
                 bit_serial, tiles, build_s, ideal_ips, exact_ips,
                 exact_ips / ideal_ips, (double)agree / n, sqrt(d2 / y2),
                 omp_get_max_threads());
  xb_tiled_free(ideal.l1);
  xb_tiled_free(ideal.l2);
  xb_tiled_free(exact.l1);
  xb_tiled_free(exact.l2);
  xb_device_free(dev);
  free(W1);
  free(W2);
  free(X);
  free(H);
  free(Yi);
  free(Ye);
  return 0;
}
