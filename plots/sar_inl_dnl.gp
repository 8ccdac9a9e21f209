# Code-density INL/DNL of the behavioral SAR ADC and their Monte Carlo
# spread against the analytic sigma. Called by experiments/sar_inl_dnl with
#   csv='...'; bits=N; sig=S; inst=K; png='...'
# csv columns: 1 code, 2 DNL (instance 0), 3 INL (instance 0), 4 sigma DNL
# (MC), 5 analytic, 6 sigma INL (MC), 7 analytic.
set terminal pngcairo size 1300,900 font "Sans,11"
set output png
set datafile separator ","
set datafile commentschars "#"
set key autotitle columnhead
set multiplot layout 2,1 title sprintf("%d-bit SAR ADC, unit-capacitor mismatch %.3g%%: code density", bits, 100 * sig) font "Sans,13"
set grid lc rgb "#e0e0e0"
set xlabel "code"
set xrange [0:2**bits - 1]
set key top right box opaque
set title "(a) one instance"
set ylabel "LSB"
plot csv using 1:2 with steps lc rgb "#2050c0" title "DNL", \
     csv using 1:3 with lines lw 2 lc rgb "#d02020" title "INL"
set title sprintf("(b) sigma over %d instances against the analytic sigma", inst)
set ylabel "sigma (LSB)"
plot csv using 1:4 with points pt 7 ps 0.5 lc rgb "#2050c0" title "DNL, Monte Carlo", \
     csv using 1:5 with lines lc rgb "#102060" title "DNL, analytic", \
     csv using 1:6 with points pt 7 ps 0.5 lc rgb "#d02020" title "INL, Monte Carlo", \
     csv using 1:7 with lines lw 2 lc rgb "#801010" title "INL, analytic"
unset multiplot
