# Sneak paths in a sparse D.Z read: charge-time stretch of the column
# integration with the inactive rows floating or fixed at a bias (seed 000
# sec. 2.4.4: floating stays linear, fixed bias stretches the charge time by
# up to 25%).
# Called by experiments/sneak_read with
#   csv='...'; vread=V; vbias=V; v0=V; v1=V; nfinite=N; plottitle='...';
#   png='...'   (nfinite: columns whose fixed-bias charge time is finite)
# CSV columns (see the header line): 1 col, 4 rho = G_inactive/G_active,
# 5-7 I at V0 (ideal, float, fixed), 8-9 err at V0, 15 t_ideal, 17 t_float,
# 18 t_fixed, 20 stretch_float, 21 stretch_fixed.
set terminal pngcairo size 1100,900 font "Sans,11"
set output png
set datafile separator ","
set datafile commentschars "#"
set key autotitle columnhead

# Fixed bias, no wires: I(V) = Ga (vread - V) - Gi (V - vbias), rho = Gi/Ga.
ia(r) = (vread - v0) - r * (v0 - vbias)
ib(r) = (vread - v1) - r * (v1 - vbias)
tfix(r) = (ia(r) > 0 && ib(r) > 0) ? log(ia(r) / ib(r)) / (1 + r) : NaN
stretch(r) = tfix(r) / log((vread - v0) / (vread - v1)) - 1

# y range of both panels: the data (finite values only) and the seed's 25%.
# (A column that never reaches the threshold has t = inf and is not drawn.)
ymax = 30
ymin = -5
if (nfinite > 0) stats csv using ($21 < 1e300 ? $21 * 100 : 1/0) nooutput name "SFX"
if (exists("SFX_max") && SFX_max > 25) ymax = 1.15 * SFX_max
stats csv using ($20 < 1e300 ? $20 * 100 : 1/0) nooutput name "SFL"
if (exists("SFL_min") && SFL_min < -5) ymin = 1.15 * SFL_min
if (exists("SFL_max") && SFL_max > ymax / 1.15) ymax = 1.15 * SFL_max

set multiplot layout 2,1 title plottitle noenhanced font "Sans,12"

set title "(a) charge time V_0 -> V_1 per column, relative to the ideal column (no wires, no sneak)"
set xlabel "column"
set ylabel "charge-time stretch t / t_{ideal} - 1 (%)"
set grid
set key top right box opaque
set xrange [-1:*]
set yrange [ymin:ymax]
set arrow 1 from graph 0, first 25 to graph 1, first 25 nohead dt 3 lw 1.2 lc rgb "#808080"
set label 1 "seed 000 sec. 2.4.4: fixed bias up to +25%" at graph 0.01, first 25 offset 0, 0.7 tc rgb "#606060"
plot csv using 1:($21*100) with linespoints pt 7 ps 0.6 lw 1.2 \
       lc rgb "#d02020" title "inactive rows fixed at V_{bias}", \
     csv using 1:($20*100) with linespoints pt 5 ps 0.6 lw 1.2 \
       lc rgb "#3050c0" title "inactive rows floating"

unset arrow 1
unset label 1
set title "(b) the stretch depends on the column only through {/Symbol r} = G_{inactive} / G_{active} ({/Symbol \273} (1 - f) / f for an active fraction f)"
set xlabel "{/Symbol r} = G_{inactive} / G_{active} of the column"
set ylabel "charge-time stretch (%)"
set key top left box opaque
set xrange [0:*]
set samples 400
plot stretch(x)*100 with lines lw 1.5 dt 2 lc rgb "#202020" \
       title "fixed bias, closed form without wires", \
     csv using 4:($21*100) with points pt 7 ps 0.7 lc rgb "#d02020" \
       title "fixed bias (array solve)", \
     csv using 4:($20*100) with points pt 5 ps 0.7 lc rgb "#3050c0" \
       title "floating (array solve)"
unset multiplot
