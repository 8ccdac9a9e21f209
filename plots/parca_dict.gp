# PARCA dictionaries (seed 000 Fig. 2.21): initial, ideal-learned and
# behavioral-learned, each atom a 10 x 10 tile scaled to its maximum.
# Called by experiments/parca_demo with
#   dir='...'; title_data='...'; e0=..; e1=..; e2=..; png='...'
set terminal pngcairo size 1500,560 font "Sans,11"
set output png
set multiplot layout 1,3 title sprintf("PARCA dictionary learning, %s: held-out relative error", title_data) noenhanced
set palette defined (-0.15 "#3060a0", 0 "black", 1 "white")
set cbrange [-0.15:1]
unset colorbox
unset xtics
unset ytics
set size ratio -1
set yrange [*:*] reverse
set title sprintf("initial (patches): %.3f", e0)
plot dir."/parca_dict_initial.dat" matrix with image notitle
set title sprintf("ideal (FISTA): %.3f", e1)
plot dir."/parca_dict_ideal.dat" matrix with image notitle
set title sprintf("behavioral (array in the loop): %.3f", e2)
plot dir."/parca_dict_behavioral.dat" matrix with image notitle
unset multiplot
