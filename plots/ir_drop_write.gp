# IR drop and sneak currents of a V/2 parallel write (seed 000 sec. 2.4.4:
# 2 mV IR drop across the array, sneak current 41.8 nA worst / 15.87 nA mean).
# Called by experiments/ir_drop_write with
#   csv='...'; nrows=N; ncols=M; nhalf=K; vw=V; gmin=S; gmax=S; dvlo=V; dvhi=V;
#   plottitle='...'; png='...'
# CSV columns: 1 row, 2 col, 3 class (0 unselected, 1 half-selected on a
# selected row, 2 half-selected on a selected column, 3 selected), 4 g,
# 5 v_nom, 6 v_cell, 7 dv = v_cell - v_nom, 8 i_cell.
set terminal pngcairo size 1500,680 font "Sans,11"
set output png
set datafile separator ","
set datafile commentschars "#"
set key autotitle columnhead

set multiplot layout 1,2 title plottitle noenhanced font "Sans,12" \
    margins 0.06, 0.97, 0.11, 0.86 spacing 0.1, 0

# (a) cell-voltage error over the array, signed, in mV.
# Colour scale from the signed extremes, white at 0.
lo = dvlo < 0 ? dvlo * 1e3 : -1e-9
hi = dvhi > 0 ? dvhi * 1e3 : -1e-3 * lo
set title "(a) cell voltage error V_{cell} - V_{nom} (mV)\n(dark stripes: the selected lines, which carry the largest currents)"
set xlabel "column j (driven at row N-1)"
set ylabel "row i (driven at column 0)"
set xrange [-0.5:ncols-0.5]
set yrange [nrows-0.5:-0.5]
set size ratio -1
set cbrange [lo:hi]
set cblabel "mV"
set palette defined (lo "#1a3590", lo / 2 "#7fa6de", 0 "#ffffff", \
                     hi / 2 "#f0a080", hi "#b02010")
set tics out
set grid noxtics noytics
if (nrows >= 2 && ncols >= 2) {
  plot csv using 2:1:($7*1e3) with image notitle
} else {
  plot csv using 2:1:($7*1e3) with points pt 5 ps 4 lc palette notitle
}

# (b) distribution of the sneak current through half-selected cells. Every
# cell goes into the histogram with weight 1 if half-selected, else 0 (an
# undefined x would split smooth frequency into separate blocks).
unset size
set size ratio 0
set title sprintf("(b) sneak current through the half-selected cells\n(g in [%.3g, %.3g] nS at V_w/2 = %g V)", \
                 gmin * 1e9, gmax * 1e9, vw / 2)
set xlabel "|I_{cell}| (nA)"
set ylabel "cells per 1 nA bin"
set autoscale
set yrange [0:*]
set offsets 0, 0, graph 0.45, 0
set grid xtics ytics
set style fill solid 0.5 border lc rgb "#3050c0"
set boxwidth 1.0 absolute
half(c) = (c == 1 || c == 2) ? 1.0 : 0.0
if (nhalf == 0) {
  set label 5 "no half-selected cells (every line selected)" at graph 0.5, graph 0.5 center
  set xrange [0:1]
  set yrange [0:1]
  unset offsets
  plot -1 notitle
} else {
  stats csv using (half($3) > 0 ? abs($8) * 1e9 : 1/0) nooutput
  imean = STATS_mean
  imax = STATS_max
  bin(x) = floor(x) + 0.5
  xhi = 1.12 * (imax > 41.8 ? imax : 41.8)
  set xrange [0:xhi]
  set arrow 1 from 41.8, graph 0 to 41.8, graph 1 nohead lw 1.5 dt 2 \
      lc rgb "#d02020"
  set arrow 2 from 15.87, graph 0 to 15.87, graph 1 nohead lw 1.5 dt 2 \
      lc rgb "#d02020"
  set arrow 3 from imax, graph 0 to imax, graph 1 nohead lw 1.5 lc rgb "#202020"
  set arrow 4 from imean, graph 0 to imean, graph 1 nohead lw 1.5 \
      lc rgb "#202020"
  set label 1 "seed worst\n41.8 nA" at 41.8, graph 0.95 right offset -0.5, 0 \
      tc rgb "#d02020"
  set label 2 "seed mean\n15.87 nA" at 15.87, graph 0.95 right offset -0.5, 0 \
      tc rgb "#d02020"
  set label 3 sprintf("max\n%.1f nA", imax) at imax, graph 0.80 left \
      offset 0.5, 0
  set label 4 sprintf("mean\n%.1f nA", imean) at imean, graph 0.80 left \
      offset 0.5, 0
  plot csv using (bin(abs($8) * 1e9)):(half($3)) smooth frequency \
         with boxes lc rgb "#3050c0" notitle
}
unset multiplot
