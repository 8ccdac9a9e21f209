# Code-density INL/DNL of the behavioral SAR ADC and their Monte Carlo
# spread against the analytic sigma. Called by experiments/sar_inl_dnl with
#   csv='...'; bits=N; sig=S; inst=K; per=P; png='...'
# csv columns (LSB): 1 code, 2 DNL and 3 INL of one instance, 4 MC mean
# DNL, 5 MC sigma DNL, 6 analytic sigma DNL, 7 the same with the
# code-density rounding, 8 MC mean INL, 9 MC sigma INL, 10 analytic sigma
# INL, 11 the same with the rounding. Codes without a measurement (INL of
# code 0, DNL of the end codes) are left out.
set terminal pngcairo size 1300,1300 font "Sans,11"
set output png
set datafile separator ","
set datafile commentschars "#"
last = 2**bits - 1
set multiplot layout 3,1 title sprintf("%d-bit SAR ADC, unit-capacitor mismatch %.3g%%: code-density INL and DNL (%d samples per LSB)", bits, 100 * sig, per) font "Sans,13"
set grid lc rgb "#e0e0e0"
set xlabel "code"
set xrange [0:last]
set key top right box opaque
set title "(a) one instance (seed 1000)"
set ylabel "LSB"
plot csv using 1:2 every ::1 with steps lc rgb "#2050c0" title "DNL", \
     csv using 1:3 every ::1 with lines lw 2 lc rgb "#d02020" title "INL"
set title sprintf("(b) INL sigma over %d instances against the linearised analytic sigma", inst)
set ylabel "sigma of INL (LSB)"
if (sig > 0) { set yrange [0:*] } else { set yrange [-1:1] }
set key bottom center box opaque
plot csv using 1:($1 > 0 ? $9 : 1/0) every ::1 with points pt 7 ps 0.5 lc rgb "#f07070" title "Monte Carlo", \
     csv using 1:($1 > 0 ? $10 : 1/0) every ::1 with lines lw 2 lc rgb "#801010" title "sigma_{cu} sqrt(c (2^n - c) / 2^n)", \
     csv using 1:($1 > 0 ? $11 : 1/0) every ::1 with lines lw 1 dt 2 lc rgb "#404040" title "with the code-density rounding"
set title sprintf("(c) DNL sigma (code c: transitions c to c + 1) over %d instances against the linearised analytic sigma", inst)
set ylabel "sigma of DNL (LSB)"
# log scale shows the tiers of j; linear (and not empty) for the ideal ADC
if (sig > 0) { set logscale y; set yrange [0.5 * sig:*] } else { set yrange [-1:1] }
set key top left box opaque
plot csv using 1:($1 > 0 && $1 < last ? $5 : 1/0) every ::1 with points pt 7 ps 0.5 lc rgb "#6080e0" title "Monte Carlo", \
     csv using 1:($1 > 0 && $1 < last ? $6 : 1/0) every ::1 with points pt 6 ps 1.1 lc rgb "#102060" title "sigma_{cu} sqrt(2^{j+1} - 1 - 2^{-n}), j trailing ones of c", \
     csv using 1:($1 > 0 && $1 < last ? $7 : 1/0) every ::1 with points pt 2 ps 0.8 lc rgb "#404040" title "with the code-density rounding"
unset multiplot
