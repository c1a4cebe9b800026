# metrics.gp: the extra metrics a rule reports (energy, iters, ...: every curves.tsv column but
# rule, task, net, rep, step, loss, acc) against step; one row of panels per (task, net) that
# has any, one column per metric; mean over replicates with a 10-90% band, rule colours as in
# curves.gp.
#
# Run by `ruleset plot RUNDIR` with -e (strings single-quoted, ' doubled):
#   infile, outfile, term, nrules, rule<i>, npanels, task<p>, net<p>,
#   lo_<p>_<r>, hi_<p>_<r>                 as for curves.gp
#   nmetrics and metric1 .. metric<nmetrics>: the extra metric names (columns <name>_mean ...)
#   mrows            the panels (1-based (task, net) indices) with any extra metric: '1 3'
#   mrules_<m>_<p>   the rules with a finite metric m in panel p: '2 3' ('' none)

if (!exists('infile') || !exists('nrules') || !exists('nmetrics') || !exists('mrows')) {
    print 'metrics.gp: run it through ruleset plot RUNDIR (needs infile, outfile, term, ...)'
    exit status 1
}
gpdir = '.'
do for [i = strlen(ARG0):1:-1] { if (ARG0[i:i] eq '/') { gpdir = ARG0[1:i-1]; break } }
load gpdir.'/common.gp'

nrow = words(mrows)
cols = (term eq 'dumb') ? 1 : nmetrics
rows = (term eq 'dumb') ? nrow * nmetrics : nrow
panel_w = 560 + (nrules > 4 && nrules <= 16 ? 200 : 0)   # room for an outside key (key.gp)
panel_h = 400
load gpdir.'/term.gp'
load gpdir.'/key.gp'

set multiplot layout rows, cols
set xlabel 'step'
do for [ps in mrows] {
    p = int(ps)
    do for [m = 1:nmetrics] {
        M = value(sprintf('metric%d', m))
        rl = value(sprintf('mrules_%d_%d', m, p))
        set title sprintf('%s   net %s', value(sprintf('task%d', p)), value(sprintf('net%d', p))) \
            noenhanced
        set ylabel sprintf('%s (mean, 10-90%% band)', M) noenhanced
        if (strlen(rl) == 0) {
            set label 1 sprintf('no rule reports %s here', M) at graph 0.5, 0.5 center noenhanced
            plot [0:1] [0:1] NaN notitle
            unset label 1
        } else {
            if (term eq 'dumb') {
                plot for [rs in rl] infile every ::LO(p, rs)::HI(p, rs) \
                         using 'step':M.'_mean' with lines lc int(rs) title RL[int(rs)] noenhanced
            } else {
                plot for [rs in rl] infile every ::LO(p, rs)::HI(p, rs) \
                         using 'step':M.'_p10':M.'_p90' \
                         with filledcurves fs transparent solid 0.18 noborder lc int(rs) notitle, \
                     for [rs in rl] infile every ::LO(p, rs)::HI(p, rs) \
                         using 'step':M.'_mean' with lines lc int(rs) title RL[int(rs)] noenhanced
            }
        }
    }
}
unset multiplot
