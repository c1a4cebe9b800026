/* suggest.c: edit distance and the nearest name, for "did you mean" beside "known: ...".
 * The distance is the optimal string alignment distance (Damerau 1964; Levenshtein 1966):
 * insertions, deletions, substitutions and swaps of two adjacent characters each cost 1, as
 * most typos are one of those. */
#include "suggest.h"

#include <stdint.h>
#include <string.h>

#define RS_SUGGEST_MAX 63

size_t rs_edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > RS_SUGGEST_MAX || m > RS_SUGGEST_MAX)
        return SIZE_MAX;
    /* d[i][j]: distance between the first i characters of a and the first j of b */
    size_t d[RS_SUGGEST_MAX + 1][RS_SUGGEST_MAX + 1];
    for (size_t i = 0; i <= n; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= m; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= n; i++)
        for (size_t j = 1; j <= m; j++) {
            size_t sub = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
            size_t best = sub < del ? sub : del;
            best = ins < best ? ins : best;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]
                && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[n][m];
}

void rs_suggest_init(rs_suggest *s, const char *word)
{
    s->word = word;
    s->best = NULL;
    s->best_dist = SIZE_MAX;
}

void rs_suggest_offer(rs_suggest *s, const char *candidate)
{
    if (!s->word || !candidate)
        return;
    size_t la = strlen(s->word), lb = strlen(candidate), longer = la > lb ? la : lb;
    size_t limit = longer / 3 > 0 ? longer / 3 : 1;
    size_t dist = rs_edit_distance(s->word, candidate);
    if (dist == 0 || dist > limit || dist >= s->best_dist)
        return; /* an exact match is no typo; a far one is no suggestion */
    s->best = candidate;
    s->best_dist = dist;
}
