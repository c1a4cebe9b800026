# curves.gp: the line figures of a run (loss, accuracy, extra metrics, alignment): a grid of
# subplots, each one metric of one (task, net) panel against step (or epoch), one line per rule
# (the mean over replicates) with a shaded band from the 10th to the 90th percentile, and the
# key in a strip of its own on the right (keypanel.gp).
#
# Run by `ruleset plot RUNDIR`, which passes with -e (strings single-quoted, ' doubled):
#   infile   curves_agg.tsv: tab-separated, a header line, no blank lines, columns
#            rule task net step n <metric>_mean <metric>_p10 <metric>_p90 ...
#            sorted by (task, net), rule, step
#   outfile  the figure to write; '' writes to stdout (dumb only)
#   term     'pngcairo', 'svg', 'pdfcairo' or 'dumb'
#   nrules   and rule1 .. rule<nrules>: the rule labels; rule i has style i in every figure
#   npanels  and task<p>, net<p>, ts<p> (the task shortened): the panels' labels
#   lo_<p>_<r>, hi_<p>_<r>   first and last data line of rule r's curve in panel p (0-based,
#                    header not counted), so each curve is read with `every ::lo::hi`
#   nsub     the subplots, and ncols: the subplots of one panel (1: choose the grid)
#   for subplot s:  sp<s> its panel; sm<s> the metric (columns sm_mean, sm_p10, sm_p90);
#            st<s> title; sy<s> y label; sx<s>, sxl<s> x column and label ('step' or
#            'epoch_mean', 'epoch'); sr<s> the rules with data: '1 2 4' ('' none);
#            ylo<s>, yhi<s> the smallest and largest value drawn (NaN when none), ypos<s> 1
#            when every one is > 0; xlo<s>, xhi<s> the x range; slog<s> 'auto' (log when
#            ypos), 'log' or 'linear'
# Labels are only ever printed (noenhanced), never parsed or matched, so any character is safe.

if (!exists('infile') || !exists('nrules') || !exists('nsub') || !exists('sp1')) {
    print 'curves.gp: run it through ruleset plot RUNDIR (needs infile, outfile, term, nsub, ...)'
    exit status 1
}
gpdir = '.'
do for [i = strlen(ARG0):1:-1] { if (ARG0[i:i] eq '/') { gpdir = ARG0[1:i-1]; break } }
load gpdir.'/common.gp'

auto_cols = nsub <= 1 ? 1 : (nsub <= 4 ? 2 : (nsub <= 9 ? 3 : 4))
# a row per panel when its subplots are few; more (many metrics) wrap at three a row
cols = (term eq 'dumb') ? 1 : (ncols > 1 ? (ncols <= 4 ? ncols : 3) : auto_cols)
rows = int((nsub + cols - 1) / cols)
panel_w = 560
panel_h = 400
keyw = (term eq 'dumb') ? 0 : keyw_for(rows * panel_h)
keystyle = 'lines'
load gpdir.'/term.gp'

# the bands grow fainter as rules are added, so that many still read
band = nrules <= 4 ? 0.18 : (nrules <= 10 ? 0.1 : 0.06)
V(name, s) = value(sprintf('%s%d', name, s))
# A margin of 5% of the data's span (of its value when the data are constant), so that no
# line lies on the frame and gnuplot never meets an empty range.
pad(lo, hi) = hi - lo > 1e-12 * (abs(hi) > 1 ? abs(hi) : 1) ? 0.05 * (hi - lo) \
              : (abs(hi) > 0 ? 0.05 * abs(hi) : 0.05)
# the same on a log axis, as a factor
lpad(lo, hi) = hi / lo > 1 + 1e-9 ? (hi / lo) ** 0.05 : 1.1

if (term eq 'dumb') {
    set key inside top right samplen 2 spacing 1.1
} else {
    unset key
}
set multiplot
do for [s = 1:nsub] {
    p = V('sp', s)
    M = V('sm', s)
    rl = V('sr', s)
    X = V('sx', s)
    ylo = V('ylo', s)
    yhi = V('yhi', s)
    set origin ((s - 1) % cols) * panel_w / (1.0 * fig_w), \
               1 - (int((s - 1) / cols) + 1) * panel_h / (1.0 * fig_h)
    set size panel_w / (1.0 * fig_w), panel_h / (1.0 * fig_h)
    set title V('st', s) noenhanced
    set ylabel V('sy', s) noenhanced
    set xlabel V('sxl', s)
    xlo = V('xlo', s)
    xhi = V('xhi', s)
    if (strlen(rl) == 0 || isnan(ylo)) {
        # every rule diverged (or reported nothing) here: say so instead of an empty frame
        unset logscale y
        set label 1 sprintf('no finite %s here', M) at graph 0.5, 0.5 center noenhanced
        plot [0:1] [0:1] NaN notitle
        unset label 1
    } else {
        # auto: log once the values span a decade (a narrower log axis has no decade tics)
        logy = V('ypos', s) && (V('slog', s) eq 'log' || (V('slog', s) eq 'auto' \
               && yhi >= 10 * ylo))
        if (logy) {
            set logscale y
            set yrange [ylo / lpad(ylo, yhi):yhi * lpad(ylo, yhi)]
            # under two decades, five tics a constant factor apart, each labelled
            if (yhi < 100 * ylo) {
                set ytics ylo, lpad(ylo, yhi) ** 4 format '%.3g'
            } else {
                set ytics autofreq format '%g'
            }
        } else {
            unset logscale y
            set ytics autofreq format '%g'
            set yrange [ylo - pad(ylo, yhi):yhi + pad(ylo, yhi)]
        }
        if (xhi > xlo) { set xrange [xlo:xhi] } else { set xrange [xlo - 0.5:xhi + 0.5] }
        if (term eq 'dumb') {
            plot for [rs in rl] infile every ::LO(p, rs)::HI(p, rs) \
                     using X:M.'_mean' with lines lt int(rs) title RL[int(rs)] noenhanced
        } else {
            plot for [rs in rl] infile every ::LO(p, rs)::HI(p, rs) \
                     using X:M.'_p10':M.'_p90' \
                     with filledcurves fs transparent solid band noborder lc int(rs) notitle, \
                 for [rs in rl] infile every ::LO(p, rs)::HI(p, rs) \
                     using X:M.'_mean' with lines lt int(rs) notitle
        }
        set autoscale xy
    }
}
if (term ne 'dumb') { load gpdir.'/keypanel.gp' }
unset multiplot
