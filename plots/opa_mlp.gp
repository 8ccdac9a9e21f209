# Training with bit-sliced OPA (PANTHER, seed 003 Fig. 5.9, 5.10).
# Called by experiments/opa_mlp with csv='...'; ref=float accuracy; png='...'
# csv columns: 1 config, 2 index, 3 crs (0: never), 4 accuracy,
# 5 saturated fraction slice 0, 6 slice 4, 7 clipped updates.
set terminal pngcairo size 1300,520 font "Sans,11"
set output png
set datafile separator ","
set datafile commentschars "#"
set key autotitle columnhead
set multiplot layout 1,2 title "Bit-sliced OPA training: 196-32-10 MLP on MNIST (seed 003 Fig. 5.9)" font "Sans,13"
set grid lc rgb "#e0e0e0"
set xtics ("3-bit" 0, "4-bit" 1, "5-bit" 2, "6-bit" 3, "hetero" 4)
set xrange [-0.5:4.5]
set key bottom right box opaque
set title "(a) test accuracy"
set ylabel "accuracy"
set yrange [0:1]
plot csv every 3::0 using 2:4 with linespoints lw 2 pt 7 lc rgb "#2050c0" title "CRS every 64 steps", \
     csv every 3::1 using 2:4 with linespoints lw 2 pt 5 lc rgb "#20a040" title "CRS every 1024", \
     csv every 3::2 using 2:4 with linespoints lw 2 pt 9 lc rgb "#d02020" title "no CRS", \
     ref with lines dt 2 lc rgb "#606060" title "float"
set title "(b) saturated cells of the first layer (mean of checks every 64 steps)"
set ylabel "fraction saturated"
set yrange [0:*]
set key top right box opaque
plot csv every 3::1 using 2:5 with linespoints lw 2 pt 5 lc rgb "#20a040" title "slice 0 (LSB), CRS 1024", \
     csv every 3::1 using 2:6 with linespoints lw 2 dt 2 pt 5 lc rgb "#20a040" title "slice 4, CRS 1024", \
     csv every 3::0 using 2:5 with linespoints lw 2 pt 7 lc rgb "#2050c0" title "slice 0 (LSB), CRS 64", \
     csv every 3::2 using 2:5 with linespoints lw 2 pt 9 lc rgb "#d02020" title "slice 0 (LSB), no CRS"
unset multiplot
