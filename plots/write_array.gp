# One parallel pulse-overlap write of an array (seed 000 Fig. 2.17).
# Called by experiments/write_array with
#   csv='...'; nrows=N; ncols=M; gmin=S; gmax=S; dgmax=S; rl=15; zb=16;
#   nz=K (non-zero Z);
#   plottitle='...'; png='...'
# CSV columns: 1 row, 2 col, 3 r, 4 z, 5 r z, 6 g0, 7 g1, 8 dg (preset
# device through the array), 9 dg without variation, 10 dg without the
# array, 11 overlap (s), 12 dg of a linear device (S), 13 rank of the row
# by r (largest first), 14 rank of the column by Z (largest first).
set terminal pngcairo size 1500,1250 font "Sans,11"
set output png
set datafile separator ","
set datafile commentschars "#"
set key autotitle columnhead

set multiplot layout 2,2 title plottitle noenhanced font "Sans,13" \
    margins 0.06, 0.9, 0.07, 0.91 spacing 0.12, 0.1

lo = gmin * 1e6
hi = gmax * 1e6
set xrange [-0.5:ncols-0.5]
set yrange [nrows-0.5:-0.5]
set size ratio -1
set tics out
set xlabel "column j (Z_j)"
set ylabel "row i (r_i)"
set cblabel "uS"
set palette defined (0 "#000004", 0.25 "#51127c", 0.5 "#b73779", \
                     0.75 "#fc8961", 1 "#fcfdbf")

# (a), (b): conductance before and after, same scale.
set cbrange [lo:hi]
set title "(a) conductance before the write (uniform in [G_{min}, G_{max}])"
plot csv using 2:1:($6*1e6) with image notitle
set title "(b) conductance after the write\n(rows with r > 0 depress, r < 0 potentiate, where Z_j > 0)"
plot csv using 2:1:($7*1e6) with image notitle

# (c) dG, signed, white at 0.
m = dgmax > 0 ? dgmax * 1e6 : 1
set cbrange [-m:m]
set palette defined (-1 "#1a3590", -0.5 "#7fa6de", 0 "#ffffff", \
                     0.5 "#f0a080", 1 "#b02010")
set title "(c) dG = after - before, rows sorted by r (15 at the top),\ncolumns by Z (largest left): the outer product -r Z^T"
set xlabel "column rank by Z_j"
set ylabel "row rank by r_i"
set arrow 1 from nz - 0.5, graph 0 to nz - 0.5, graph 1 nohead dt 2 lc rgb "#808080" front
set label 1 "Z = 0 from here: no change" at nz + 2, graph 0.5 left tc rgb "#606060" front
# (with image needs the file in grid order; boxes take any order)
set style fill solid 1.0 noborder
plot csv using 14:13:(0.5):(0.5):($8*1e6) with boxxyerror fc palette notitle
unset arrow 1
unset label 1

# (d) dG vs ideal r Z, coloured by the starting conductance, with the
# linear device of the same range.
unset size
set size ratio 0
set autoscale
set xrange [-rl*zb*1.05:rl*zb*1.05]
set yrange [*:*]
set xlabel "r_i Z_j"
set ylabel "dG (uS)"
set cblabel "G before (uS)"
set cbrange [lo:hi]
set palette defined (0 "#000004", 0.25 "#51127c", 0.5 "#b73779", \
                     0.75 "#fc8961", 1 "#fcfdbf")
set grid
set key top right box opaque
set title "(d) dG vs r Z: PCMO steps shrink toward the bound they approach;\nspread at one r Z: starting G, c2c noise, overlap quantization"
plot csv using ($4 > 0 ? $5 : 1/0):($8*1e6):($6*1e6) with points pt 7 \
       ps 0.5 lc palette notitle, \
     csv using ($4 > 0 ? $5 : 1/0):($12*1e6) with lines lw 2 \
       lc rgb "#20a040" title "linear device, same range", \
     csv using ($4 > 0 ? $5 : 1/0):(1/0) with points pt 7 ps 1 \
       lc rgb "#b73779" title "cells (colour: G before)"
unset multiplot
