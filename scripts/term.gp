# term.gp: the terminal and output for a figure of cols x rows panels, each panel_w x panel_h
# pixels; the ASCII terminal gets 110 x 26 characters per row of panels (one panel per row).

if (term eq 'pngcairo' && strstrt(GPVAL_TERMINALS, 'pngcairo') == 0) { term = 'png' }
if (term eq 'dumb') {
    set terminal dumb size 110, 26 * rows
} else {
    if (term eq 'pngcairo') {
        set terminal pngcairo size cols * panel_w, rows * panel_h font 'Sans,10' noenhanced
    } else {
        if (term eq 'png') {
            set terminal png size cols * panel_w, rows * panel_h noenhanced
        } else {
            set terminal svg size cols * panel_w, rows * panel_h font 'Sans,11' noenhanced \
                background rgb 'white'
        }
    }
}
if (strlen(outfile) > 0) { set output outfile }
