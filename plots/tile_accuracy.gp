# Networks on crossbar tiles (issue 17): test accuracy of the trained MLP
# and LSTM versus ADC bits, wire resistance, device-to-device variation and
# tile size, ideal wires (dashed) against the exact IR-drop solve (solid),
# on the PCMO preset (blue) and a 10-100 kOhm linear device (red); below,
# the Table-6.4-style retraining (seed 003 chapter 6).
# Called by experiments/tile_accuracy with csv='...'; rt='...'; nrt=N;
# png='...'.
# csv: blocks (index 4 (2 net + device) + sweep), net mlp/lstm, device
# pcmo/lowr, sweep adc_bits/rw/d2d/tile; columns 4 value, 9 float, 10 ideal
# wires, 11 exact IR drop, 12 tiles.
# rt (header line commented): label, baseline, no_retrain, epoch1, epoch2 (%, NaN: not run),
# recovered fraction; the last two rows are TIMON's K32 and K64.
set terminal pngcairo size 2000,1500 font "Sans,11"
set output png
set datafile separator ","
set datafile missing "NaN"
set grid lc rgb "#e0e0e0"
set multiplot layout 3,4 title "MNIST networks on RRAM tiles: ideal wires (dashed) vs exact IR drop (solid); PCMO preset (blue) vs 10-100 kOhm linear (red)" font "Sans,13"
nets = "MLP LSTM"
xl = "ADC bits|wire resistance per segment (Ohm)|device-to-device sigma|tile size T (T x T cells, T x T/2 weights)"
sw(s) = s == 0 ? "ADC bits" : s == 1 ? "rw (Ohm)" : s == 2 ? "d2d sigma" : "tile T"
set yrange [0:1]
set key bottom left box opaque font ",9"
do for [n = 0:1] {
  do for [s = 0:3] {
    set title sprintf("%s: accuracy vs %s", word(nets, n + 1), sw(s))
    set xlabel sw(s)
    if (s == 3) { set logscale x 2 } else { unset logscale x }
    plot csv index (4 * (2 * n + 0) + s) using 4:11 with linespoints lw 2 pt 7 lc rgb "#2050c0" title "PCMO exact IR", \
         csv index (4 * (2 * n + 0) + s) using 4:10 with linespoints lw 2 dt 2 pt 6 lc rgb "#2050c0" title "PCMO ideal wires", \
         csv index (4 * (2 * n + 1) + s) using 4:11 with linespoints lw 2 pt 5 lc rgb "#d02020" title "10-100k exact IR", \
         csv index (4 * (2 * n + 1) + s) using 4:10 with linespoints lw 2 dt 2 pt 4 lc rgb "#d02020" title "10-100k ideal wires", \
         csv index (4 * (2 * n + 0) + s) using 4:9 with lines lw 1 dt 3 lc rgb "#404040" title "float"
  }
}
unset logscale x
set title "Table 6.4 style: accuracy below the float baseline (points), without / after 1 / after 2 epochs of retraining"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set yrange [0:*]
set ylabel "baseline - accuracy (points)"
unset xlabel
set xtics rotate by -25 font ",8"
set key top right
set multiplot next
set size 1,0.32
set origin 0,0
plot rt using ($2-$3):xtic(1) lc rgb "#d02020" title "no retraining", \
     rt using ($2-$4) lc rgb "#f0a030" title "1 epoch", \
     rt using ($2-$5) lc rgb "#20a040" title "2 epochs"
unset multiplot
