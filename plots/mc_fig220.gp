# Monte Carlo of the read circuits (seed 000 Fig. 2.20): histogram of the
# measured pulse count where 1 pulse is correct.
# Called by experiments/mc_fig220 with
#   csv='...' (count,single_ended,differential); n_se=N; n_df=N; png='...'
set terminal pngcairo size 1200,520 font "Sans,11"
set output png
set datafile separator ","
set datafile commentschars "#"
set multiplot layout 1,2 title "Read-circuit Monte Carlo, process variation and mismatch (seed 000 Fig. 2.20): 1 pulse is correct" font "Sans,13"
set style fill solid 0.7 border lc rgb "#202020"
set boxwidth 0.8
set grid ytics lc rgb "#e0e0e0"
set xlabel "measured number of pulses"
set ylabel "fraction of samples"
set yrange [0:1.05]
set xrange [-0.5:8.5]
set xtics 1
set key off
set title sprintf("(a) single-ended adaptive Schmitt trigger (%d samples)", n_se)
plot csv using 1:($2 / n_se) with boxes lc rgb "#d04040"
set title sprintf("(b) differential Schmitt trigger (%d samples)", n_df)
plot csv using 1:($3 / n_df) with boxes lc rgb "#4060c0"
unset multiplot
