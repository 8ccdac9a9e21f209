# Training with bit-sliced OPA (PANTHER, seed 003 Fig. 5.9, 5.10).
# Called by experiments/opa_mlp with csv='...'; slices='...'; ref=float
# accuracy; ref_se=its standard error; png='...'.
# csv: one row per (slicing, CRS), slicing-major (index 0..4: 3-, 4-, 5-,
# 6-bit cells, heterogeneous 44466555 written from the MSB), CRS 64 /
# 1024 / never, then the float row.
# Columns: 1 config, 2 index, 3 crs (0: never), 4 accuracy, 5 its standard
# error, 6 clipped updates, 7 updates per weight per 64 steps, 8 their
# size in LSBs, 9..16 saturated fraction of slices 0..7 (layer 1).
# slices: column 1 the slice, then one column per (slicing, CRS) in the
# same order (3 + 3c: slicing c with a CRS every 1024 steps).
set terminal pngcairo size 1800,560 font "Sans,11"
set output png
set datafile separator ","
set datafile commentschars "#"
set key autotitle columnhead
set multiplot layout 1,3 title "Bit-sliced OPA training: 196-32-10 MLP on MNIST, 8 slices of 2 data bits (cf. seed 003 Fig. 5.9)" font "Sans,13"
set grid lc rgb "#e0e0e0"
set xtics ("3-bit" 0, "4-bit" 1, "5-bit" 2, "6-bit" 3, "44466555" 4)
set xrange [-0.3:4.3]

set title "(a) test accuracy (mean of seeds, +- s.e.)"
set ylabel "accuracy"
set yrange [0:1]
set key bottom right box opaque
plot csv every 3::0::14 using 2:4:5 with yerrorlines lw 2 pt 7 lc rgb "#2050c0" title "CRS every 64 steps", \
     csv every 3::1::14 using 2:4:5 with yerrorlines lw 2 pt 5 lc rgb "#20a040" title "CRS every 1024", \
     csv every 3::2::14 using 2:4:5 with yerrorlines lw 2 pt 9 lc rgb "#d02020" title "no CRS", \
     ref with lines dt 2 lw 2 lc rgb "#606060" title sprintf("float weights (%.3f)", ref)

set title "(b) saturated cells, layer 1 (mean of checks every 8 steps)"
set ylabel "fraction of cells at level 0 or 2^p - 1"
set yrange [0:*]
set key top right box opaque
plot csv every 3::0::14 using 2:9 with linespoints lw 2 pt 7 lc rgb "#2050c0" title "slice 0 (LSB), CRS 64", \
     csv every 3::1::14 using 2:9 with linespoints lw 2 pt 5 lc rgb "#20a040" title "slice 0, CRS 1024", \
     csv every 3::2::14 using 2:9 with linespoints lw 2 pt 9 lc rgb "#d02020" title "slice 0, no CRS", \
     csv every 3::1::14 using 2:11 with linespoints lw 2 dt 2 pt 5 lc rgb "#20a040" title "slice 2, CRS 1024", \
     csv every 3::1::14 using 2:13 with linespoints lw 2 dt 3 pt 4 lc rgb "#20a040" title "slice 4, CRS 1024"

set title "(c) saturation per slice, CRS every 1024 steps"
set xlabel "slice (0: least significant bits 0-1)"
set xtics autofreq
set xrange [-0.3:7.3]
set ylabel "fraction saturated"
array lc[5] = ["#a02020", "#e08020", "#2050c0", "#20a040", "#8040a0"]
array nm[5] = ["3-bit", "4-bit", "5-bit", "6-bit", "hetero 44466555"]
plot for [c=0:4] slices using 1:(column(3 + 3 * c)) with linespoints lw 2 pt 7 lc rgb lc[c + 1] title nm[c + 1]
unset multiplot
