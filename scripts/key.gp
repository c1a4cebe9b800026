# key.gp: where the legend goes. Up to 4 rules: inside the panel, top right, on a white box so
# lines do not run through it; 5 to 16: outside on the right (the scripts widen panels for it);
# more: no key, as 8 colours cannot tell that many rules apart anyway (split the comparison).

if (nrules <= 4 || term eq 'dumb') {
    set key inside top right opaque samplen 2 spacing 1.1
} else {
    if (nrules <= 16) {
        set key outside right top samplen 2 spacing 1.1
    } else {
        unset key
    }
}
