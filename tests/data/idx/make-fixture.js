#!/usr/bin/env node
/*
 * Writes the tiny digit files in digits/ that scripts/mnist-to-idx.js turns
 * into the committed fixtures tiny-images.idx3-ubyte and
 * tiny-labels.idx1-ubyte (see README). Digit d has 1 + d % 3 images;
 * pixel (r, c) of image i of digit d is
 *   p = (28 r + c + 7 d + 13 i) % 256   where (r + c + d) % 9 == 0, else 0,
 * stored as the npm package stores pixels: p / 255 rounded to 3 decimals.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const out = path.join(__dirname, 'digits');
fs.mkdirSync(out, {recursive: true});
for (let d = 0; d <= 9; d++) {
  const data = [];
  for (let i = 0; i < 1 + d % 3; i++)
    for (let r = 0; r < 28; r++)
      for (let c = 0; c < 28; c++) {
        const p = (r + c + d) % 9 === 0 ? (28 * r + c + 7 * d + 13 * i) % 256 : 0;
        data.push(Number((p / 255).toFixed(3)));
      }
  fs.writeFileSync(path.join(out, d + '.json'), JSON.stringify({data: data}));
}
