# netgraph.gp: a trained network drawn as a graph, one panel per task. Edges are coloured by
# weight on the diverging palette of adjacency.gp (red negative, blue positive, one scale for
# every panel, shown by the colour box) and drawn wider the larger |w| is, as notebook 000 draws
# its gates; an edge and its reverse bend apart.
#   recurrent: notebook 000's layout (inputs left, the other nodes in the middle, outputs
#              right; bias node under the inputs); nodes coloured by role; |w| < 0.01 hidden
#   layered:   one column per layer; each node is coloured by its activation for one input
#              (purple negative, orange positive; the value is written on it)
#
# Run by `ruleset plot RUNDIR`, which passes with -e (strings single-quoted, ' doubled):
#   infile    tab-separated, no header; panel p is two gnuplot blocks (index):
#             2(p-1)   nodes: col idx cnt kind value label   (kind 0 input, 1 hidden,
#                      2 output, 3 bias; value = the activation shown, 0 for recurrent)
#             2(p-1)+1 edges: c0 i0 n0 c1 i1 n1 w bend   (from node (c0, i0 of n0) to (c1, i1
#                      of n1); bend 1 when the reverse edge is drawn too)
#   outfile, term ('pngcairo' or 'svg'), heading, npanels, title1 .. title<npanels>
#   mode      'recurrent' or 'layered'
#   ncols     layout columns (layered: layers + 1); maxcnt the most nodes in one column
#   absmax    the largest |w| over every panel (> 0); amax the largest |activation| (> 0)
# Labels are only ever printed (noenhanced), so any character is safe.

if (!exists('infile') || !exists('npanels') || !exists('mode') || !exists('absmax')) {
    print 'netgraph.gp: run it through ruleset plot RUNDIR (needs infile, outfile, term, mode, ...)'
    exit status 1
}
gpdir = '.'
do for [i = strlen(ARG0):1:-1] { if (ARG0[i:i] eq '/') { gpdir = ARG0[1:i-1]; break } }

rec = mode eq 'recurrent'
cols = npanels
rows = 1
panel_w = rec ? 420 : 200 + 140 * ncols
panel_h = rec ? 380 : 140 + 70 * (maxcnt < 3 ? 3 : maxcnt)
load gpdir.'/term.gp'
set datafile separator tab
set encoding utf8

# ---- layout: notebook 000's dx = 0.4, dy = 1.6 for recurrent nets ----------------------------
dx = 0.4
dy = rec ? 1.6 : 1.0
X(c) = rec ? (c == 0 ? 0 : (c == 1 ? dx : 2.5 * dx)) : c
Y(i, k) = ((k - 1) / 2.0 - i) * dy
r = rec ? 0.13 : 0.2                 # node radius (x units; the aspect ratio is 1)
thresh = rec ? 0.01 : 0

# ---- colours -----------------------------------------------------------------------------------
set palette defined (-1 '#B2182B', -0.5 '#EF8A62', 0 '#F7F7F7', 0.5 '#67A9CF', 1 '#2166AC')
set cbrange [-absmax:absmax]
set cblabel 'weight' noenhanced
kindcol(k) = k == 0 ? 0x86c5da : (k == 2 ? 0xf4b400 : (k == 3 ? 0xffffff : 0xcccccc))
# PuOr for activations: purple (negative) through white to orange (positive)
lerp(a, b, t) = int(a + (b - a) * t)
rgb(r, g, b) = (r << 16) + (g << 8) + b
puor(t) = t < 0 ? rgb(lerp(247, 84, -t), lerp(247, 39, -t), lerp(247, 136, -t)) \
                : rgb(lerp(247, 179, t), lerp(247, 88, t), lerp(247, 6, t))
clampu(t) = t > 1 ? 1 : (t < -1 ? -1 : t)
nodecol(k, v) = rec ? kindcol(k) : puor(clampu(v / amax))

# ---- edge geometry, from the columns of an edge line -------------------------------------------
x0(d) = X(column(1))
y0(d) = Y(column(2), column(3))
x1(d) = X(column(4))
y1(d) = Y(column(5), column(6))
# the bend's midpoint, pushed sideways by 0.1 of the length (matplotlib's arc3, rad 0.2)
mx(d) = (x0(0) + x1(0)) / 2 - column(8) * 0.1 * (y1(0) - y0(0))
my(d) = (y0(0) + y1(0)) / 2 + column(8) * 0.1 * (x1(0) - x0(0))
# first leg: from the rim of the source to the midpoint; second: to the rim of the target
l1(d) = sqrt((mx(0) - x0(0))**2 + (my(0) - y0(0))**2)
l2(d) = sqrt((x1(0) - mx(0))**2 + (y1(0) - my(0))**2)
sx(d) = x0(0) + r * (mx(0) - x0(0)) / l1(0)
sy(d) = y0(0) + r * (my(0) - y0(0)) / l1(0)
tx(d) = x1(0) - (r + 0.02) * (x1(0) - mx(0)) / l2(0)
ty(d) = y1(0) - (r + 0.02) * (y1(0) - my(0)) / l2(0)
# eight widths, as notebook 000's 6 |w| / max|w| points
wbin(w) = 1 + int(7.999 * abs(w) / absmax)
keep(k) = (abs(column(7)) >= thresh && wbin(column(7)) == k && column(7) == column(7))

unset xtics
unset ytics
unset border
set size ratio -1
set style fill solid 1.0 border lc rgb '#000000'
set colorbox
xlo = rec ? -0.35 : -0.6
xhi = rec ? 2.5 * dx + 0.35 : ncols - 0.4
ylim = rec ? (maxcnt - 1) / 2.0 * dy + 0.6 : (maxcnt - 1) / 2.0 * dy + 0.6
set xrange [xlo:xhi]
set yrange [-ylim:ylim]

if (!rec) { heading = heading."\nnode colour: its activation for the input shown (purple < 0 < orange)" }
set multiplot layout rows, cols title heading noenhanced
do for [p = 1:npanels] {
    set title value(sprintf('title%d', p)) noenhanced
    if (p == npanels) { set colorbox } else { unset colorbox }
    nb = 2 * (p - 1)
    eb = nb + 1
    plot for [k = 1:8] infile index eb \
             using (keep(k) ? sx(0) : NaN):(sy(0)):(mx(0) - sx(0)):(my(0) - sy(0)):(column(7)) \
             with vectors nohead lw 0.75 * k lc palette notitle, \
         for [k = 1:8] infile index eb \
             using (keep(k) ? mx(0) : NaN):(my(0)):(tx(0) - mx(0)):(ty(0) - my(0)):(column(7)) \
             with vectors head filled size screen 0.012, 25 lw 0.75 * k lc palette notitle, \
         infile index nb using (X($1)):(Y($2, $3)):(r):(nodecol($4, $5)) \
             with circles lc rgb variable notitle, \
         infile index nb using (X($1)):(Y($2, $3)):(rec ? strcol(6) : sprintf('%.2f', $5)) \
             with labels font (rec ? ',12' : ',8') notitle
}
unset multiplot
