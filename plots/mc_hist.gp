# Histogram of one output column of a Monte Carlo result file (xbar/mc.h).
# Called by experiments/mc_run with
#   csv='...'; col='name'; title_txt='...'; integer=1|0; png='...'
set terminal pngcairo size 900,600 font "Sans,11"
set output png
set datafile separator ","
set key off
set grid lc rgb "#e0e0e0"
set title sprintf("%s: %s", title_txt, col) noenhanced
set xlabel col noenhanced
set ylabel "samples"
set style fill solid 0.6 border lc rgb "#303060"
stats csv using col name "S" nooutput
if (integer) {
  bw = 1
  set xtics 1
  bin(x) = floor(x + 0.5)
} else {
  bw = (S_max > S_min) ? (S_max - S_min) / 40.0 : 1.0
  bin(x) = bw * (floor((x - S_min) / bw) + 0.5) + S_min
}
set boxwidth 0.9 * bw
plot csv using (bin(column(col))):(1.0) smooth frequency with boxes lc rgb "#5070c0"
