/* suggest.h: "did you mean ...": the closest of a list of names to a mistyped one. */
#ifndef RS_SUGGEST_H
#define RS_SUGGEST_H

#include <stddef.h>

/* The closest name seen so far; feed every candidate with rs_suggest_offer. */
typedef struct rs_suggest {
    const char *word; /* the mistyped name */
    const char *best; /* NULL until a candidate is close enough */
    size_t best_dist;
} rs_suggest;

void rs_suggest_init(rs_suggest *s, const char *word);
/* Consider one candidate: it becomes best when it is nearer than any before (ties keep the
 * first) and near enough to be a typo: an edit distance of at most a third of the longer
 * name, and at least 1. */
void rs_suggest_offer(rs_suggest *s, const char *candidate);
/* Optimal string alignment distance (Levenshtein plus adjacent swaps), for names up to 63
 * characters; longer ones count as SIZE_MAX. */
size_t rs_edit_distance(const char *a, const char *b);

#endif
