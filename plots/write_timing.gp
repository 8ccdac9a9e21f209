# Timing diagram of the pulse-overlap write (seed 000 Fig. 2.15).
# Called by experiments/write_timing with
#   csv='...'; T=ns; vdd=V; nrep=R; za1=ns (end of the Z = zrep window);
#   pa=ns; pb=ns (signed programming of cells A and B in the period);
#   prep=ns; irep=ns (interleaved total and ideal); ra=; rb=; zc=; rrep=;
#   zrep=; plottitle='...'; png='...'
# CSV columns: 1 t (ns), 2 clk, 3 we, 4 pn, 5-7 Z = 16, 8, 3 outputs,
# 8-11 r = 15, 4, -4, -1 outputs, 12 V_row of cell A, 13 V_col (Z = zc),
# 14 V_cell A, 15 programmed A (ns), 16 V_row B, 17 V_cell B,
# 18 programmed B (ns), 19.. r = rrep pulses of repetitions 0..nrep-1,
# then the Z = zrep window.
set terminal pngcairo size 1400,1500 font "Sans,11"
set output png
set datafile separator ","
set datafile commentschars "#"
set key autotitle columnhead
set multiplot title plottitle noenhanced font "Sans,13"

set lmargin at screen 0.13
set rmargin at screen 0.93
set xrange [-3:T+3]
set xtics 0, T/8.0 out nomirror
set mxtics 2
set grid xtics mxtics lc rgb "#e0e0e0"
set border 3
unset key
H = T / 2.0
set object 1 rect from 0, graph 0 to H, graph 1 fc rgb "#eef3ff" fs solid 1.0 noborder behind
set object 2 rect from H, graph 0 to T, graph 1 fc rgb "#fff1e8" fs solid 1.0 noborder behind
set label 91 "positive half: r > 0 programs, D decreases" at H/2, graph 1.025 center tc rgb "#3050a0"
set label 92 "negative half: r < 0 programs, D increases" at H + H/2, graph 1.025 center tc rgb "#b05020"

# (a) digital signals, 10 tracks.
set origin 0, 0.56
set size 1, 0.40
set tmargin at screen 0.935
set bmargin at screen 0.59
set title "(a) clock, write enable, phase, Z shift-register outputs, r pulse-generator outputs" offset 0, 0.8
set xlabel ""
set yrange [-0.3:12]
b(k) = (9 - k) * 1.2
set ytics ("CLK" b(0)+0.4, "WE" b(1)+0.4, "PN" b(2)+0.4, \
           "Z = 16" b(3)+0.4, "Z = 8" b(4)+0.4, "Z = 3" b(5)+0.4, \
           "r = 15" b(6)+0.4, "r = 4" b(7)+0.4, "r = -4" b(8)+0.4, \
           "r = -1" b(9)+0.4) scale 0
plot for [k=0:9] csv using 1:(b(k) + 0.8 * column(2 + k)) with lines \
       lw 1.5 lc rgb (k < 3 ? "#404040" : k < 6 ? "#2060c0" : "#c03030")

# (b) the cells: row, column and cell voltages, programmed time.
set origin 0, 0.25
set size 1, 0.31
set tmargin at screen 0.52
set bmargin at screen 0.265
unset label 91
unset label 92
set title sprintf("(b) cell A (r = %d, Z = %d) and cell B (r = %d, Z = %d) in the V/2 scheme: the cell sees ±Vdd only where its r pulse overlaps its Z window", ra, zc, rb, zc) offset 0, 0.3
# Track bases from the top: V_row A, V_col, V_cell A (double height),
# dD A, V_row B, V_cell B (double height), dD B.
array cb[7] = [10.6, 9.4, 7.0, 5.8, 4.6, 2.2, 1.0]
array ch[7] = [0.9, 0.9, 1.9, 0.9, 0.9, 1.9, 0.9]
set yrange [0.8:11.7]
c(k) = cb[k + 1]
vlin(k, v) = c(k) + ch[k + 1] * v / vdd
vsym(k, v) = c(k) + 0.5 * ch[k + 1] * (1 + v / vdd)
set ytics (sprintf("V_{row} A (r = %d)", ra) c(0)+0.45, \
           sprintf("V_{col} (Z = %d)", zc) c(1)+0.45, \
           "V_{cell} A" c(2)+0.95, \
           sprintf("ΔD A: %.2g ns", pa) c(3)+0.45, \
           sprintf("V_{row} B (r = %d)", rb) c(4)+0.45, \
           "V_{cell} B" c(5)+0.95, \
           sprintf("ΔD B: +%.2g ns", pb) c(6)+0.45) scale 0
set arrow 11 from -3, vsym(2, 0.75*vdd) to T+3, vsym(2, 0.75*vdd) nohead dt 3 lc rgb "#909090"
set arrow 12 from -3, vsym(2, -0.75*vdd) to T+3, vsym(2, -0.75*vdd) nohead dt 3 lc rgb "#909090"
set arrow 13 from -3, vsym(5, 0.75*vdd) to T+3, vsym(5, 0.75*vdd) nohead dt 3 lc rgb "#909090"
set arrow 14 from -3, vsym(5, -0.75*vdd) to T+3, vsym(5, -0.75*vdd) nohead dt 3 lc rgb "#909090"
set label 15 "+0.75 Vdd" at T+3.5, vsym(2, 0.75*vdd) left font ",9" tc rgb "#707070"
set label 16 "-0.75 Vdd" at T+3.5, vsym(2, -0.75*vdd) left font ",9" tc rgb "#707070"
set label 17 "+0.75 Vdd" at T+3.5, vsym(5, 0.75*vdd) left font ",9" tc rgb "#707070"
set label 18 "-0.75 Vdd" at T+3.5, vsym(5, -0.75*vdd) left font ",9" tc rgb "#707070"
pan = abs(pa) > 0 ? abs(pa) : 1
pbn = abs(pb) > 0 ? abs(pb) : 1
plot csv using 1:(vlin(0, $12)) with lines lw 1.5 lc rgb "#c03030", \
     csv using 1:(vlin(1, $13)) with lines lw 1.5 lc rgb "#2060c0", \
     csv using 1:(vsym(2, $14)) with lines lw 1.5 lc rgb "#202020", \
     csv using 1:(c(3) + 0.9 * (1 + $15 / pan)) with lines lw 2 lc rgb "#3050a0", \
     csv using 1:(vlin(4, $16)) with lines lw 1.5 lc rgb "#c03030", \
     csv using 1:(vsym(5, $17)) with lines lw 1.5 lc rgb "#202020", \
     csv using 1:(c(6) + 0.9 * $18 / pbn) with lines lw 2 lc rgb "#b05020"
unset arrow 11
unset arrow 12
unset arrow 13
unset arrow 14
unset label 15
unset label 16
unset label 17
unset label 18

# (c) the repetitions interleave their pulses.
set origin 0, 0
set size 1, 0.24
set tmargin at screen 0.205
set bmargin at screen 0.05
unset object 2
set object 1 rect from 0, graph 0 to za1, graph 1 fc rgb "#d8ecd0" fs solid 1.0 noborder behind
set xrange [-1:H+1]
set xtics 0, H/8.0 out nomirror
set xlabel "time from the start of the write (ns)"
set title sprintf("(c) r = %d in each of the %d repetitions (positive half), Z = %d window shaded: together %.4g ns of overlap, ideal %.4g ns", rrep, nrep, zrep, prep, irep) offset 0, 0.3
set yrange [-0.3:nrep*1.2]
set ytics () scale 0
do for [q=0:nrep-1] { set ytics add (sprintf("repetition %d", q) (nrep-1-q)*1.2+0.4) }
plot for [q=0:nrep-1] csv using 1:((nrep-1-q)*1.2 + 0.8*column(19+q)) \
       with lines lw 1.5 lc rgb "#c03030"
unset multiplot
