# common.gp: settings shared by curves.gp, metrics.gp and success.gp (loaded by them, with the
# variables they received): how the TSV is read, the rule colours and label lookups.

set datafile separator tab
set datafile commentschars ''      # labels may start with '#' or '!'
set encoding utf8

# Rule i is colour i in every figure (Okabe-Ito, distinguishable with colour-vision deficiency).
set linetype 1 lc rgb '#0072B2' lw 2
set linetype 2 lc rgb '#D55E00' lw 2
set linetype 3 lc rgb '#009E73' lw 2
set linetype 4 lc rgb '#CC79A7' lw 2
set linetype 5 lc rgb '#E69F00' lw 2
set linetype 6 lc rgb '#56B4E9' lw 2
set linetype 7 lc rgb '#000000' lw 2
set linetype 8 lc rgb '#F0E442' lw 2
set linetype cycle 8

array RL[nrules]
do for [i = 1:nrules] { RL[i] = value(sprintf('rule%d', i)) }

# the data lines of rule r's curve in panel p (r may be the string from a 'for [rs in ...]')
LO(p, r) = value(sprintf('lo_%d_%d', p, int(r)))
HI(p, r) = value(sprintf('hi_%d_%d', p, int(r)))
PLO(p) = value(sprintf('plo%d', p))
PHI(p) = value(sprintf('phi%d', p))
# summary rows are matched by label: string comparison, so no label character is special
sel(r, T, N) = strcol('rule') eq RL[r] && strcol('task') eq T && strcol('net') eq N
isnan(x) = (x != x)

if (term ne 'dumb') { set grid back lc rgb '#dddddd' lw 1 }
