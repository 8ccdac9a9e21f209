# Spike waveforms of the integrate-and-fire read circuits (seed 000
# Fig. 2.11-2.14): node voltage V_in and output for I = 5.75 and 1 uA,
# rising input (positive r) and falling input (negative r).
# Called by experiments/read_waveforms with
#   csv='...'; vr=V (reset); vth_se=V (SE threshold); vth_atb=V (SE
#   threshold at 5.75 uA, ATB included); vtl_se=V; vth_d=V; vtl_d=V; T_se=ns; T_d=ns (windows);
#   n_se='a b c d'; n_d='...' (spike counts at +1, +5.75, -1, -5.75 uA);
#   png='...'
# CSV columns: 1 t_se (ns), 2 t_diff (ns); then per circuit (se, diff) and
# current (+1, +5.75, -1, -5.75 uA) a pair v, out: se 3-10, diff 11-18.
set terminal pngcairo size 1400,1150 font "Sans,11"
set output png
set datafile separator ","
set datafile commentschars "#"
set key autotitle columnhead

set multiplot title "Integrate-and-fire read: node voltage and output spikes (seed 000 Fig. 2.11-2.14)" font "Sans,13"

c1 = "#d02020"   # 5.75 uA
c2 = "#2050c0"   # 1 uA
set grid lc rgb "#e0e0e0"
set xtics out nomirror
set ytics nomirror
xl(c) = c == 0 ? 0.07 : 0.56
xr(c) = c == 0 ? 0.43 : 0.92

# Panel helpers: voltage panels between vb and vt, spike panels below.
# Row 0: rising input, row 1: falling input.
vt(row) = row == 0 ? 0.92 : 0.435
vb(row) = row == 0 ? 0.67 : 0.185
st(row) = vb(row) - 0.04
sb(row) = st(row) - 0.065

do for [row=0:1] {
  do for [c=0:1] {
    tcol = c + 1
    base = c == 0 ? 3 : 11
    off = row == 0 ? 0 : 4
    T = c == 0 ? T_se : T_d
    vth = c == 0 ? vth_se : vth_d
    vtl = c == 0 ? vtl_se : vtl_d
    sgn = row == 0 ? 1 : -1
    name = c == 0 ? "single-ended adaptive (ATB)" : "differential"
    counts = c == 0 ? n_se : n_d
    fig = row == 0 ? (c == 0 ? "2.11" : "2.12") : (c == 0 ? "2.13" : "2.14")
    # The counts as a list: +1, +5.75, -1, -5.75 uA.
    n1 = int(word(counts, row == 0 ? 1 : 3))
    n6 = int(word(counts, row == 0 ? 2 : 4))

    # Voltage panel.
    set lmargin at screen xl(c)
    set rmargin at screen xr(c)
    set tmargin at screen vt(row)
    set bmargin at screen vb(row)
    set title sprintf("%s, %s input (Fig. %s): 5.75 uA -> %d, 1 uA -> %d spikes", \
                      name, row == 0 ? "rising" : "falling", fig, n6, n1) noenhanced
    set xrange [0:T]
    set format x ""
    unset xlabel
    set ylabel "V_{in} (mV)"
    set yrange [*:*]
    if (row == 0) { set yrange [497:536] } else { set yrange [464:503] }
    set key top left horizontal box opaque samplen 2 font "Sans,9"
    yth = 1000*(vr + sgn*(vth - vr))
    ytl = 1000*(vr + sgn*(vtl - vr))
    yatb = 1000*(vr + sgn*(vth_atb - vr))
    set arrow 1 from 0, first yth to T, first yth nohead dt 2 lc rgb "#606060"
    set arrow 2 from 0, first ytl to T, first ytl nohead dt 3 lc rgb "#909090"
    set arrow 3 from 0, first 1000*vr to T, first 1000*vr nohead dt 1 lc rgb "#b0b0b0"
    set label 1 (row == 0 ? "V_{th}" : "2V_{r} - V_{th}") at graph 1.01, first yth left font "Sans,9" tc rgb "#606060"
    set label 2 (row == 0 ? "V_{tl}" : "2V_{r} - V_{tl}") at graph 1.01, first ytl left font "Sans,9" tc rgb "#909090"
    set label 3 (row == 0 ? "V_{reset}" : "V_{reset}") at graph 1.01, first 1000*vr left font "Sans,9" tc rgb "#909090"
    if (c == 0) {
      set arrow 4 from 0, first yatb to T, first yatb nohead dt 4 lc rgb "#c08000"
      set label 4 "ATB, 5.75 uA" at graph 1.01, first yatb + sgn*(-1.5) left font "Sans,9" tc rgb "#c08000"
    }
    plot csv using tcol:(1000*column(base + off + 2)) with lines lw 1.6 lc rgb c1 title sprintf("%+.2f uA", sgn*5.75), \
         csv using tcol:(1000*column(base + off)) with lines lw 1.6 lc rgb c2 title sprintf("%+.2f uA", sgn*1.0)
    unset arrow 1
    unset arrow 2
    unset arrow 3
    unset arrow 4
    unset label 1
    unset label 2
    unset label 3
    unset label 4

    # Spike panel: output of 5.75 uA (upper track) and 1 uA (lower).
    set tmargin at screen st(row)
    set bmargin at screen sb(row)
    unset title
    set format x "%g"
    set xlabel "time (ns)"
    set ylabel "output"
    set yrange [-0.2:2.6]
    set ytics ("1 uA" 0.4, "5.75 uA" 1.8) scale 0
    unset key
    plot csv using tcol:(1.4 + 0.8*column(base + off + 3)) with steps lw 1.4 lc rgb c1, \
         csv using tcol:(0.8*column(base + off + 1)) with steps lw 1.4 lc rgb c2
    set ytics auto
  }
}
unset multiplot
