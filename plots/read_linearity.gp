# Spike count vs input current of the read circuits (seed 000 Fig. 2.18a;
# ATB effect, Fig. 2.7).
# Called by experiments/read_linearity with
#   csv='...' (sweep); csv2='...' (transitions); imax=uA; lsb_se=uA;
#   lsb_d=uA (ideal steps C dV / T); png='...'
# csv columns: 1 I (uA), 2 n se (ATB), 3 n se without ATB, 4 n diff,
# 5 floor(I T / (C dV)) se, 6 the same for diff.
# csv2 columns: 1 k, 2-4 I_k (uA), 5-7 (I_k - k LSB) / LSB, 8-10 INL vs
# the fitted line (se, se without ATB, diff).
set terminal pngcairo size 1200,1000 font "Sans,11"
set output png
set datafile separator ","
set datafile commentschars "#"
set key autotitle columnhead

set multiplot layout 2,1 title "Read quantization: spike count vs input current (seed 000 Fig. 2.18a)" font "Sans,13"

cse = "#d02020"
cno = "#e0a000"
cd = "#2050c0"
set grid lc rgb "#e0e0e0"

set title "(a) count in the read window (4.5 ns single-ended, 4 ns differential) vs the ideal floor(I T / (C dV))"
set xlabel "input current I (uA)"
set ylabel "spikes n"
set xrange [0:imax]
set yrange [0:*]
set ytics 1
set key top left box opaque
plot csv using 1:5 with steps lw 1 dt 2 lc rgb "#b06060" title sprintf("ideal, single-ended (LSB %.3f uA)", lsb_se), \
     csv using 1:6 with steps lw 1 dt 2 lc rgb "#6080b0" title sprintf("ideal, differential (LSB %.4f uA)", lsb_d), \
     csv using 1:3 with steps lw 1.5 lc rgb cno title "single-ended, ATB off", \
     csv using 1:2 with steps lw 2 lc rgb cse title "single-ended adaptive (ATB)", \
     csv using 1:4 with steps lw 2 lc rgb cd title "differential", \
     x / lsb_se with lines lw 0.8 lc rgb "#a0a0a0" title "I T / (C dV), single-ended"

set title "(b) transition currents I_k (smallest I giving k spikes): deviation from k LSB (solid) and INL vs their fitted line (dashed)"
set xlabel "k (spikes)"
set ylabel "deviation (LSB)"
set xrange [0.5:*]
set yrange [*:*]
set ytics auto
set xtics 1
set key top left box opaque
set arrow 1 from graph 0, first 0 to graph 1, first 0 nohead lc rgb "#808080"
plot csv2 using 1:6 with linespoints pt 5 ps 0.9 lw 1.5 lc rgb cno title "single-ended, ATB off", \
     csv2 using 1:5 with linespoints pt 7 ps 0.9 lw 2 lc rgb cse title "single-ended adaptive (ATB)", \
     csv2 using 1:7 with linespoints pt 9 ps 1.0 lw 2 lc rgb cd title "differential", \
     csv2 using 1:9 with linespoints pt 4 ps 0.7 lw 1 dt 2 lc rgb cno title "INL, ATB off", \
     csv2 using 1:8 with linespoints pt 6 ps 0.7 lw 1 dt 2 lc rgb cse title "INL, ATB", \
     csv2 using 1:10 with linespoints pt 8 ps 0.8 lw 1 dt 2 lc rgb cd title "INL, differential"
unset multiplot
