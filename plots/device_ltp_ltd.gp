# Conductance vs pulse number under LTP then LTD pulses (seed 000 Fig. 2.3).
# Called by experiments/device_ltp_ltd with
#   csv='...'; ndev=N; npulse=P; plottitle='...'; png='...'
# CSV columns: pulse, phase, g_ideal, g_dev1..g_devN, g_mean, g_sd (S).
set terminal pngcairo size 900,600 font "Sans,11"
set output png
set datafile separator ","
set title plottitle noenhanced
set xlabel "pulse number"
set ylabel "conductance (nS)"
set key top right box opaque
set grid
set xrange [0:2*npulse]
set arrow from npulse, graph 0 to npulse, graph 1 nohead dt 2 lc rgb "#888888"
set label "LTP" at graph 0.3, graph 0.3 center
set label "LTD" at graph 0.75, graph 0.5 center
plot for [i=1:ndev] csv every ::1 using 1:(column(3+i)*1e9) with lines \
       lw 0.8 lc rgb "#b0b0d8" notitle, \
     csv every ::1 using 1:(column(3+ndev+1)*1e9) with lines lw 2 \
       lc rgb "#3050c0" title "mean of devices", \
     csv every ::1 using 1:($3*1e9) with linespoints pt 7 ps 0.5 lw 2 \
       lc rgb "#d02020" title "ideal (Eq. 2.1/2.2)"
