/* plot_label.c: see plot_label.h. */
#include "plot_label.h"

#include <stdio.h>
#include <string.h>

/* LABEL, or its head and tail joined by MARK so the whole has MAX characters. */
static char *shorten(const char *label, size_t max, const char *mark, char *out, size_t size)
{
    size_t n = strlen(label), m = strlen(mark);
    if (max < m + 2)
        max = m + 2;
    if (n <= max) {
        snprintf(out, size, "%s", label);
        return out;
    }
    /* two thirds head, one third tail: a sweep label's plugin and first values come first,
     * its last value (often the one that differs) last */
    size_t tail = (max - m) / 3, head = max - m - tail;
    snprintf(out, size, "%.*s%s%s", (int)head, label, mark, label + n - tail);
    return out;
}

char *rs_plot_short(const char *label, size_t max, char *out, size_t size)
{
    return shorten(label, max, "...", out, size);
}

static int keep_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')
           || ch == '.' || ch == '=' || ch == '+' || ch == '-';
}

char *rs_plot_slug(const char *label, size_t max, char *out, size_t size)
{
    char clean[1024];
    size_t k = 0;
    for (const char *p = label; *p && k + 1 < sizeof clean; p++) {
        if (keep_char(*p))
            clean[k++] = *p;
        else if (k && clean[k - 1] != '_')
            clean[k++] = '_';
    }
    while (k && clean[k - 1] == '_')
        k--;
    clean[k] = '\0';
    return shorten(k ? clean : "x", max, "~", out, size);
}
