# curves.gp: loss against step, one panel per (task, net), one line per rule (the mean over
# replicates) with a shaded band from the 10th to the 90th percentile; log y when every plotted
# loss value of the panel is positive.
#
# Run by `ruleset plot RUNDIR`, which passes with -e (strings single-quoted, ' doubled):
#   infile   curves_agg.tsv: tab-separated, a header line, no blank lines, columns
#            rule task net step n <metric>_mean <metric>_p10 <metric>_p90 ...
#            sorted by (task, net), rule, step
#   outfile  the figure to write; '' writes to stdout (dumb only)
#   term     'pngcairo', 'svg' or 'dumb'
#   nrules   and rule1 .. rule<nrules>: the rule labels; rule i is colour i in every figure
#   npanels  and task1, net1 .. task<npanels>, net<npanels>: the panels' labels
#   prules<p>        the rules with a finite loss in panel p, 1-based indices: '1 2 4' ('' none)
#   lo_<p>_<r>, hi_<p>_<r>   first and last data line of rule r's curve in panel p (0-based,
#                    header not counted), so each curve is read with `every ::lo::hi`
#   plo<p>, phi<p>   the data lines of panel p
# Labels are only ever printed (noenhanced), never parsed or matched, so any character is safe.

if (!exists('infile') || !exists('nrules') || !exists('npanels') || !exists('prules1')) {
    print 'curves.gp: run it through ruleset plot RUNDIR (needs infile, outfile, term, nrules, ...)'
    exit status 1
}
gpdir = '.'
do for [i = strlen(ARG0):1:-1] { if (ARG0[i:i] eq '/') { gpdir = ARG0[1:i-1]; break } }
load gpdir.'/common.gp'

cols = (term eq 'dumb' || npanels <= 1) ? 1 : (npanels <= 4 ? 2 : (npanels <= 9 ? 3 : 4))
rows = int((npanels + cols - 1) / cols)
panel_w = 620 + (nrules > 4 && nrules <= 16 ? 200 : 0)   # room for an outside key (key.gp)
panel_h = 440
load gpdir.'/term.gp'
load gpdir.'/key.gp'

set multiplot layout rows, cols
set xlabel 'step'
set ylabel 'loss (mean, 10-90% band)'
set format y '%g'
do for [p = 1:npanels] {
    rl = value(sprintf('prules%d', p))
    set title sprintf('%s   net %s', value(sprintf('task%d', p)), value(sprintf('net%d', p))) \
        noenhanced
    if (strlen(rl) == 0) {
        # every rule diverged (or reported no loss) here: say so instead of an empty frame
        unset logscale y
        set label 1 'no finite loss' at graph 0.5, 0.5 center
        plot [0:1] [0:1] NaN notitle
        unset label 1
    } else {
        # count the panel's finite points with a non-positive mean or band edge
        stats infile every ::PLO(p)::PHI(p) using (!isnan(column('loss_mean')) \
            && !(column('loss_p10') > 0 && column('loss_mean') > 0 && column('loss_p90') > 0) \
            ? 1 : 0) nooutput
        if (STATS_max > 0) { unset logscale y } else { set logscale y }
        if (term eq 'dumb') {
            plot for [rs in rl] infile every ::LO(p, rs)::HI(p, rs) \
                     using 'step':'loss_mean' with lines lc int(rs) title RL[int(rs)] noenhanced
        } else {
            plot for [rs in rl] infile every ::LO(p, rs)::HI(p, rs) \
                     using 'step':'loss_p10':'loss_p90' \
                     with filledcurves fs transparent solid 0.18 noborder lc int(rs) notitle, \
                 for [rs in rl] infile every ::LO(p, rs)::HI(p, rs) \
                     using 'step':'loss_mean' with lines lc int(rs) title RL[int(rs)] noenhanced
        }
    }
}
unset multiplot
