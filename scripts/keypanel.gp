# keypanel.gp: the key of a figure in a strip of its own, right of the plots, so it never covers
# data: every rule in its style (keystyle 'lines' or 'boxes') with its full label, then the full
# label of each task that titles and tics show shortened (common.gp's longtasks). Loaded inside
# the multiplot after the last plot, with cols, rows, panel_w, panel_h, keyw (term.gp) set.

W = cols * panel_w + keyw
set origin (cols * panel_w) / (1.0 * W), 0
set size keyw / (1.0 * W), 1
unset title
unset xlabel
unset ylabel
unset grid
unset border
unset tics
unset logscale
unset label
unset colorbox
set lmargin 0
set rmargin 0
set tmargin 1
set bmargin 0
set xrange [0:1]
set yrange [0:1]
set key inside left top vertical Left reverse noopaque samplen 3 spacing 1.1 \
    maxrows keyrows_for(rows * panel_h) noenhanced
# (gnuplot evaluates a title once even for an empty 'for [ps in ...]')
TASKKEY(ps) = strlen(ps) ? 'task '.value(sprintf('task%d', int(ps))) : ''
if (keystyle eq 'boxes') {
    plot for [r = 1:nrules] NaN with boxes lt r fs pattern FILLPAT(r) border lt r title RL[r], \
         for [ps in longtasks] NaN with lines lc rgb 'white' title TASKKEY(ps)
} else {
    plot for [r = 1:nrules] NaN with lines lt r title RL[r], \
         for [ps in longtasks] NaN with lines lc rgb 'white' title TASKKEY(ps)
}
