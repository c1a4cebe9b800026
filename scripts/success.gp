# success.gp: success rate per rule, grouped by (task, net), with the 95% interval from
# summary.tsv (ci_low, ci_high) as error bars; one colour per rule as in curves.gp.
#
# Run by `ruleset plot RUNDIR` with -e (strings single-quoted, ' doubled):
#   infile   summary.tsv: tab-separated, header line, columns rule task net ... success_rate
#            ci_low ci_high ...
#   outfile, term, nrules, rule<i>, npanels, task<p>, net<p>   as for curves.gp

if (!exists('infile') || !exists('nrules') || !exists('npanels')) {
    print 'success.gp: run it through ruleset plot RUNDIR (needs infile, outfile, term, ...)'
    exit status 1
}
gpdir = '.'
do for [i = strlen(ARG0):1:-1] { if (ARG0[i:i] eq '/') { gpdir = ARG0[1:i-1]; break } }
load gpdir.'/common.gp'

cols = 1
rows = 1
panel_w = 260 + npanels * (nrules < 2 ? 2 : nrules) * 45
panel_w = panel_w < 640 ? 640 : (panel_w > 4000 ? 4000 : panel_w)
panel_h = 500
load gpdir.'/term.gp'

# group p is centred on x = p; rule r sits at an offset inside the group's 0.8 width
bw = 0.8 / nrules
xpos(p, r) = p - 0.4 + (r - 0.5) * bw
set boxwidth bw * 0.9 absolute
set style fill solid 0.75 noborder
set xrange [0.5:npanels + 0.5]
set yrange [0:1.12]
set ytics 0, 0.2, 1
set ylabel 'success rate (95% interval)'
if (term ne 'dumb') { set grid noxtics ytics }
set xtics () nomirror scale 0
do for [p = 1:npanels] {
    set xtics add (sprintf("%s\n%s", value(sprintf('task%d', p)), value(sprintf('net%d', p))) p)
}
set xtics noenhanced
# Long task labels collide side by side: slant them once they would not fit their slot.
maxlen = 0
do for [p=1:npanels] { l = strlen(value(sprintf("task%d", p))); if (l > maxlen) { maxlen = l } }
if (npanels > 6 || maxlen * npanels > 60) { set xtics rotate by -25 left font ",8" }
set key below center horizontal noenhanced
set bmargin ((npanels > 6 || maxlen * npanels > 60) ? 11 : 6)

TL(p) = value(sprintf('task%d', p))
NL(p) = value(sprintf('net%d', p))
# the key comes from data-free elements, so a rule missing from some task still gets its entry
plot for [r = 1:nrules] NaN with boxes lc r title RL[r], \
     for [p = 1:npanels] for [r = 1:nrules] infile \
         using (xpos(p, r)):(sel(r, TL(p), NL(p)) ? column('success_rate') : NaN) \
         with boxes lc r notitle, \
     for [p = 1:npanels] for [r = 1:nrules] infile \
         using (xpos(p, r)):(sel(r, TL(p), NL(p)) ? column('ci_low') : NaN) \
               :(0):(column('ci_high') - column('ci_low')) \
         with vectors heads size screen 0.006, 90 lc rgb '#333333' lw 1.2 notitle, \
     for [p = 1:npanels] for [r = 1:nrules] infile \
         using (xpos(p, r)):(sel(r, TL(p), NL(p)) ? column('ci_high') + 0.015 : NaN) \
               :(sprintf('%.2f', column('success_rate'))) \
         with labels center offset 0, 0.4 font ',8' notitle
