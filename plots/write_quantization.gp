# Quantization of the pulse-overlap write against the ideal product r Z
# (seed 000 Fig. 2.18b: at most 1 LSB of 16, at small Z and r).
# Called by experiments/write_quantization with
#   csv='...'; rl=15; zb=16; lsb=UNITS; reps=R; maxerr=LSB; rat=R; zat=Z;
#   maxone=LSB; plottitle='...'; png='...'
# CSV columns: 1 r, 2 z, 3 ideal r Z, 4 programmed (array write), 5 overlap
# only, 6 one repetition, 7 error (LSB of 16), 8 error of one repetition
# (LSB), 9 dG (S).
set terminal pngcairo size 1800,640 font "Sans,11"
set output png
set datafile separator ","
set datafile commentschars "#"
set key autotitle columnhead

set multiplot layout 1,3 title plottitle noenhanced font "Sans,13" \
    margins 0.045, 0.985, 0.11, 0.85 spacing 0.09, 0

# (a) programmed vs ideal, with the +-1 LSB band.
pmax = rl * zb
set title "(a) programmed r·Z (from -dG) vs ideal r·Z\n(dashed: ±1 LSB of 16)"
set xlabel "ideal r·Z"
set ylabel "programmed r·Z"
set xrange [-pmax*1.05:pmax*1.05]
set yrange [-pmax*1.05:pmax*1.05]
set size ratio -1
set grid
set key top left box opaque
plot x with lines lw 1 lc rgb "#808080" notitle, \
     x + lsb with lines dt 2 lw 1.5 lc rgb "#d02020" notitle, \
     x - lsb with lines dt 2 lw 1.5 lc rgb "#d02020" notitle, \
     csv using 3:4 with points pt 7 ps 0.6 lc rgb "#3050c0" \
       title sprintf("%d repetitions (array write)", reps)

# (b) error over (Z, r).
unset key
set size ratio 0
set title sprintf("(b) error (programmed - ideal) in LSB of 16 (= %g units of r·Z)\nmax |error| %.3f LSB at r = %d, Z = %d", lsb, maxerr, rat, zat)
set xlabel "Z"
set ylabel "r"
set xrange [-0.5:zb+0.5]
set yrange [-rl-0.5:rl+0.5]
set xtics 0, 2, zb
set ytics -rl, 3, rl
set cbrange [-1:1]
set cblabel "LSB of 16" offset -1, 0
set palette defined (-1 "#1a3590", -0.5 "#7fa6de", 0 "#ffffff", \
                     0.5 "#f0a080", 1 "#b02010")
set grid noxtics noytics
plot csv using 2:1:7 with image notitle

# (c) error vs ideal product, four repetitions vs one.
set title sprintf("(c) error vs ideal r·Z: %d interleaved repetitions\n(max %.3f LSB) vs one repetition (max %.3f LSB)", reps, maxerr, maxone)
set xlabel "ideal r·Z"
set ylabel "error (LSB of 16)"
set autoscale
set xrange [-pmax*1.05:pmax*1.05]
set xtics auto
set ytics auto
set yrange [-1.15:1.15]
set grid xtics ytics
set key top right box opaque
set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb "#d02020"
set arrow 2 from graph 0, first -1 to graph 1, first -1 nohead dt 2 lc rgb "#d02020"
set label 1 "seed: max 1 LSB" at graph 0.02, first 1 offset 0, 0.7 tc rgb "#d02020"
plot csv using 3:8 with points pt 6 ps 0.7 lc rgb "#c0a040" \
       title "1 repetition (16 levels)", \
     csv using 3:7 with points pt 7 ps 0.6 lc rgb "#3050c0" \
       title sprintf("%d repetitions (%d levels)", reps, 16*reps)
unset multiplot
