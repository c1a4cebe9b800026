# adjacency.gp: the learned adjacency A of a recurrent network as a heatmap, one panel per task,
# as notebook 000 draws it: a diverging palette centred on 0 (red negative, blue positive:
# matplotlib's RdBu) with one colour scale for every panel, node labels on both axes (row: the
# node an edge goes into; column: the node it comes from), and each entry's value in its cell.
#
# Run by `ruleset plot RUNDIR`, which passes with -e (strings single-quoted, ' doubled):
#   infile    tab-separated, no header; gnuplot block p-1 (index) holds panel p as lines
#             "row col value", 0-based, every entry of the N x N matrix
#   outfile   the figure to write
#   term      'pngcairo' or 'svg'
#   heading   the figure's title (the rule, the network and the replicate)
#   npanels   and title1 .. title<npanels>: the panels' titles (the tasks)
#   n         the number of nodes, and lab1 .. lab<n> their labels
#   absmax    the largest |A_ij| over every panel (> 0): the colour scale is [-absmax, absmax]
# Labels are only ever printed (noenhanced), so any character is safe.

if (!exists('infile') || !exists('npanels') || !exists('n') || !exists('absmax')) {
    print 'adjacency.gp: run it through ruleset plot RUNDIR (needs infile, outfile, term, n, ...)'
    exit status 1
}
gpdir = '.'
do for [i = strlen(ARG0):1:-1] { if (ARG0[i:i] eq '/') { gpdir = ARG0[1:i-1]; break } }

cols = npanels
rows = 1
panel_w = 150 + 40 * (n < 4 ? 4 : n)
panel_h = 110 + 40 * (n < 4 ? 4 : n)
load gpdir.'/term.gp'
set datafile separator tab
set encoding utf8

set palette defined (-1 '#B2182B', -0.5 '#EF8A62', 0 '#F7F7F7', 0.5 '#67A9CF', 1 '#2166AC')
set cbrange [-absmax:absmax]
set cblabel 'A_ij' noenhanced
set xrange [-0.5:n - 0.5]
set yrange [n - 0.5:-0.5]
set size ratio -1
set xtics () scale 0 noenhanced
set ytics () scale 0 noenhanced
do for [i = 1:n] {
    set xtics add (value(sprintf('lab%d', i)) i - 1)
    set ytics add (value(sprintf('lab%d', i)) i - 1)
}
set xlabel 'from'
set ylabel 'to'
# a cell's value in dark text on light cells and light text on the darkest ones
txt(v) = abs(v) > 0.6 * absmax ? 0xffffff : 0x222222
show_values = n <= 8

set multiplot layout rows, cols title heading noenhanced
do for [p = 1:npanels] {
    set title value(sprintf('title%d', p)) noenhanced
    if (p == npanels) { set colorbox } else { unset colorbox }
    if (show_values) {
        plot infile index (p - 1) using 2:1:3 with image notitle, \
             '' index (p - 1) using 2:1:(sprintf('%.2f', $3)):(txt($3)) \
                 with labels tc rgb variable font ',8' notitle
    } else {
        plot infile index (p - 1) using 2:1:3 with image notitle
    }
}
unset multiplot
