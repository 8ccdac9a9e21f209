# PARCA dictionaries (seed 000 Fig. 2.21): initial, ideal-learned,
# behavioral-learned on the PCMO cell with PARCA's overlap write and with
# the accumulate write, each atom a 10 x 10 tile scaled to its maximum.
# Called by experiments/parca_demo with
#   dir='...'; title_data='...'; e0=..; e1=..; e2=..; e3=..; png='...'
set terminal pngcairo size 1900,560 font "Sans,11"
set output png
set multiplot layout 1,4 title sprintf("PARCA dictionary learning, %s: held-out relative error", title_data) noenhanced
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
set title sprintf("behavioral, PCMO, overlap write: %.3f", e2)
plot dir."/parca_dict_behavioral.dat" matrix with image notitle
set title sprintf("behavioral, PCMO, accumulate write: %.3f", e3)
plot dir."/parca_dict_accumulate.dat" matrix with image notitle
unset multiplot
