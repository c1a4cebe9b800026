# success.gp: success rate per rule, grouped by (task, net), with the 95% interval from
# summary.tsv (ci_low, ci_high) as error bars; each rule in its style (common.gp) as in
# curves.gp, and the key in a strip of its own on the right (keypanel.gp).
#
# Run by `ruleset plot RUNDIR` with -e (strings single-quoted, ' doubled):
#   infile   summary.tsv: tab-separated, header line, columns rule task net ... success_rate
#            ci_low ci_high ...
#   outfile, term, nrules, rule<i>, npanels, task<p>, net<p>, ts<p>   as for curves.gp

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
keyw = (term eq 'dumb') ? 0 : keyw_for(panel_h)
keystyle = 'boxes'
load gpdir.'/term.gp'

# group p is centred on x = p; rule r sits at an offset inside the group's 0.8 width
bw = 0.8 / nrules
xpos(p, r) = p - 0.4 + (r - 0.5) * bw
set boxwidth bw * 0.9 absolute
set style fill solid 0.75 border
set xrange [0.5:npanels + 0.5]
set yrange [0:1.12]
set ytics 0, 0.2, 1
set ylabel 'success rate (95% interval)'
if (term ne 'dumb') { set grid noxtics ytics }
set xtics () nomirror scale 0
do for [p = 1:npanels] {
    set xtics add (sprintf("%s\n%s", value(sprintf('ts%d', p)), value(sprintf('net%d', p))) p)
}
set xtics noenhanced
# Long task labels collide side by side: slant them once they would not fit their slot.
ticlen = 0
do for [p=1:npanels] { l = strlen(value(sprintf("ts%d", p))); if (l > ticlen) { ticlen = l } }
slant = npanels > 6 || ticlen * npanels > 60
if (slant) { set xtics rotate by -25 left font ",8" }
# a slanted tic label runs down and to the right: room below, and on the right for the last
set bmargin (slant ? 3 + int(ticlen * 0.45) : 6)
if (slant) { set rmargin int(ticlen * 0.9) }

TL(p) = value(sprintf('task%d', p))
NL(p) = value(sprintf('net%d', p))
# the ASCII terminal has no key panel: its key goes below, from data-free elements
if (term eq 'dumb') { set key below center horizontal noenhanced } else { unset key }
keyn = (term eq 'dumb') ? nrules : 0
set multiplot
set origin 0, 0
set size panel_w / (1.0 * fig_w), 1
plot for [r = 1:keyn] NaN with boxes lt r fs pattern FILLPAT(r) border lt r title RL[r], \
     for [p = 1:npanels] for [r = 1:nrules] infile \
         using (xpos(p, r)):(sel(r, TL(p), NL(p)) ? column('success_rate') : NaN) \
         with boxes lt r fs pattern FILLPAT(r) border lt r notitle, \
     for [p = 1:npanels] for [r = 1:nrules] infile \
         using (xpos(p, r)):(sel(r, TL(p), NL(p)) ? column('ci_low') : NaN) \
               :(0):(column('ci_high') - column('ci_low')) \
         with vectors heads size screen 0.006, 90 lc rgb '#333333' lw 1.2 notitle, \
     for [p = 1:npanels] for [r = 1:nrules] infile \
         using (xpos(p, r)):(sel(r, TL(p), NL(p)) ? column('ci_high') + 0.015 : NaN) \
               :(sprintf('%.2f', column('success_rate'))) \
         with labels center offset 0, 0.4 font ',8' notitle
if (term ne 'dumb') { load gpdir.'/keypanel.gp' }
unset multiplot
