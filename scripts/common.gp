# common.gp: settings shared by curves.gp and success.gp (loaded by them, with the variables
# they received): how the TSV is read, the rule styles, label lookups and the key panel's size.

set datafile separator tab
set datafile commentschars ''      # labels may start with '#' or '!'
set encoding utf8

# Rule i has style i in every figure: colour (Okabe & Ito 2008, "Color Universal Design", told
# apart with every common colour-vision deficiency) and dash pattern together, 8 x 3 = 24
# styles that differ in one or both; rule 25 takes style 1 again. Bars take the dash class as
# their fill: solid, hatched, hatched the other way.
array OI[8] = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', \
               '#F0E442']
do for [i = 1:24] {
    c = OI[(i - 1) % 8 + 1]
    d = int((i - 1) / 8)
    if (d == 0) { set linetype i lc rgb c lw 2 dt solid }
    if (d == 1) { set linetype i lc rgb c lw 2 dt (7, 3) }
    if (d == 2) { set linetype i lc rgb c lw 2 dt (1.5, 2) }
}
set linetype cycle 24
FILLPAT(r) = (int((r - 1) / 8) % 3 == 0) ? 3 : (int((r - 1) / 8) % 3 == 1 ? 4 : 5)

array RL[nrules]
do for [i = 1:nrules] { RL[i] = value(sprintf('rule%d', i)) }

# the data lines of rule r's curve in panel p (r may be the string from a 'for [rs in ...]')
LO(p, r) = value(sprintf('lo_%d_%d', p, int(r)))
HI(p, r) = value(sprintf('hi_%d_%d', p, int(r)))
# summary rows are matched by label: string comparison, so no label character is special
sel(r, T, N) = strcol('rule') eq RL[r] && strcol('task') eq T && strcol('net') eq N
isnan(x) = (x != x)

# The key panel (keypanel.gp), right of the plots: one entry per rule, its full label, then
# the full label of every task shortened in titles and tics (longtasks: their indices), in as
# many columns as the figure's height needs (about 17 pixels an entry).
maxlen = 1
do for [i = 1:nrules] { if (strlen(RL[i]) > maxlen) { maxlen = strlen(RL[i]) } }
longtasks = ''
if (exists('npanels') && exists('ts1')) {
    do for [p = 1:npanels] {
        if (value(sprintf('ts%d', p)) ne value(sprintf('task%d', p))) {
            longtasks = longtasks.sprintf(' %d', p)
            l = 6 + strlen(value(sprintf('task%d', p)))
            if (l > maxlen) { maxlen = l }
        }
    }
}
nkey = nrules + words(longtasks)
keyrows_for(h) = (h - 40) / 17 < 1 ? 1 : int((h - 40) / 17)
keycols_for(h) = int((nkey + keyrows_for(h) - 1) / keyrows_for(h))
keyw_for(h) = keycols_for(h) * (80 + 7 * maxlen)

if (term ne 'dumb') { set grid back lc rgb '#dddddd' lw 1 }
