# Integrate-and-fire read of a 100 x 100 array with sneak paths (seed 000
# Fig. 2.16, 2.19): spike count per column, fast path (DC current at
# V_reset) vs transient of the RC network, inactive rows floating or held
# at V_bias.
# Called by experiments/read_array with
#   csv='...'; ncols=M; vr_pcmo=V; vr_mohm=V (read voltages);
#   tr_pcmo=0|1; tr_mohm=0|1 (transient counts present); plottitle='...';
#   png='...'
# CSV columns: 1 case (0 pcmo, 1 mohm), 2 column, 3 V_read, 4 I_dc
# floating (uA), 5 I_dc fixed bias (uA), 6 n fast floating, 7 n fast fixed,
# 8 n transient floating, 9 n transient fixed (-1: not computed).
set terminal pngcairo size 1500,1100 font "Sans,11"
set output png
set datafile separator ","
set datafile commentschars "#"
set key autotitle columnhead

set multiplot layout 2,2 title plottitle noenhanced font "Sans,13"
set grid lc rgb "#e0e0e0"
cf = "#2050c0"
cx = "#d02020"
sel(c, x) = (column(1) == c && x >= 0) ? x : NaN

do for [c=0:1] {
  name = c == 0 ? sprintf("PCMO cells, V_{read} = %.3g V (above the write threshold)", vr_pcmo) \
                : sprintf("1-10 MOhm cells, V_{read} = %.3g V", vr_mohm)
  tr = c == 0 ? tr_pcmo : tr_mohm
  set title sprintf("(%s) spikes per column: %s", c == 0 ? "a" : "b", name)
  unset xlabel
  set ylabel "spikes in the window"
  set y2label "DC column current at V_{reset} (uA)"
  set xrange [-1:ncols]
  set yrange [*:*]
  set offsets 0, 0, 0.8, 0.5
  set ytics 1 nomirror
  set y2tics nomirror
  set key below horizontal box font "Sans,9" spacing 0.9
  plot csv using 2:(sel(c, $4)) axes x1y2 with lines lw 0.8 lc rgb "#c0c0c0" title "DC current (right axis)", \
       csv using 2:(sel(c, $6)) with points pt 6 ps 1.4 lc rgb "#606060" title "fast path (both modes)", \
       csv using ($2 - 0.15):(tr ? sel(c, $8) : NaN) with points pt 7 ps 0.7 lc rgb cf title "transient, inactive rows floating", \
       csv using ($2 + 0.15):(tr ? sel(c, $9) : NaN) with points pt 5 ps 0.7 lc rgb cx title "transient, inactive rows at V_{bias}"
}
unset y2label
unset y2tics
set ytics mirror
set offsets 0, 0, 0, 0

do for [c=0:1] {
  tr = c == 0 ? tr_pcmo : tr_mohm
  set title sprintf("(%s) transient count minus fast-path count per column (x: column index), %s", c == 0 ? "c" : "d", c == 0 ? "PCMO" : "1-10 MOhm")
  unset xlabel
  set ylabel "n_{transient} - n_{fast}"
  set yrange [-2.6:0.6]
  set ytics 1
  set key below horizontal box font "Sans,9" spacing 0.9
  plot csv using ($2 - 0.15):(tr && sel(c, $8) == sel(c, $8) ? $8 - $6 : NaN) with impulses lw 2 lc rgb cf title "floating", \
       csv using ($2 + 0.15):(tr && sel(c, $9) == sel(c, $9) ? $9 - $7 : NaN) with impulses lw 2 lc rgb cx title "fixed bias", \
       0 with lines lc rgb "#808080" notitle
}
unset multiplot
