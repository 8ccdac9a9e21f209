# PARCA learning against the device's nonlinearity: held-out relative error
# of dictionaries learned with the array in the loop (behavioral fidelity),
# the cell being the seed's PCMO (NL labels LTP 3.68 / LTD -6.76, 50
# levels) with both labels scaled by nl_scale (0: a straight response),
# with PARCA's overlap write and with the accumulate write (column 8).
# Called by experiments/parca_demo with
#   dir='...'; ideal=..; rf=..; png='...'
set terminal pngcairo size 900,560 font "Sans,11"
set output png
set datafile separator ","
set title "PARCA dictionary learning vs device nonlinearity (MNIST 10x10, 100 atoms)" noenhanced
set xlabel "nonlinearity: PCMO's labels (3.68 / -6.76) times"
set ylabel "held-out relative error ||X - Z D^T|| / ||X||"
set key bottom right
set grid
set xrange [-0.05:1.05]
set yrange [0:*]
ov(c) = strcol(8) eq "overlap" ? column(c) : NaN
ac(c) = strcol(8) eq "accumulate" ? column(c) : NaN
plot dir."/parca_nl.csv" using 1:(ov(5)) with linespoints lw 2 pt 7 title "overlap write (PARCA), read back with FISTA", \
     dir."/parca_nl.csv" using 1:(ov(4)) with linespoints lw 1 pt 6 dt 2 title "overlap write, read back with ISTA (the loop's own)", \
     dir."/parca_nl.csv" using 1:(ac(5)) with linespoints lw 2 pt 5 lc rgb "#208020" title "accumulate write, read back with FISTA", \
     ideal with lines lw 2 lc rgb "black" title sprintf("ideal run (float, FISTA): %.3f", ideal), \
     1.25 * ideal with lines dt 3 lc rgb "black" title "1.25 x ideal", \
     rf with lines dt 4 lc rgb "#a04040" title sprintf("ideal D through the PCMO read path: %.3f", rf)
