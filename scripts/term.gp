# term.gp: the terminal and output for a figure of cols x rows panels, each panel_w x panel_h
# pixels, and a key strip keyw pixels wide on the right (0 when not set); the ASCII terminal
# gets 110 x 26 characters per row of panels (one panel per row). PDF is sized at 72 pixels an
# inch, so its text is as large against the plots as in the PNG.

if (!exists('keyw')) { keyw = 0 }
if (term eq 'pngcairo' && strstrt(GPVAL_TERMINALS, 'pngcairo') == 0) { term = 'png' }
if (term eq 'pdfcairo' && strstrt(GPVAL_TERMINALS, 'pdfcairo') == 0) {
    print 'ruleset: this gnuplot has no pdfcairo terminal; install a gnuplot built with cairo (Debian: gnuplot-nox)'
    exit status 1
}
fig_w = cols * panel_w + keyw
fig_h = rows * panel_h
if (term eq 'dumb') {
    set terminal dumb size 110, 26 * rows
} else {
    if (term eq 'pngcairo') {
        set terminal pngcairo size fig_w, fig_h font 'Sans,10' noenhanced
    } else {
        if (term eq 'png') {
            set terminal png size fig_w, fig_h noenhanced
        } else {
            if (term eq 'pdfcairo') {
                set terminal pdfcairo size fig_w / 72.0, fig_h / 72.0 font 'Sans,10' noenhanced
            } else {
                set terminal svg size fig_w, fig_h font 'Sans,11' noenhanced \
                    background rgb 'white'
            }
        }
    }
}
if (strlen(outfile) > 0) { set output outfile }
