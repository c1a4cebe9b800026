/* fuzz_csv.c: a CSV file through the data set tasks' parser: ds_csv_scan, then, when it
 * passes, ds_csv_fill and every header name. The first input byte picks the header mode
 * (auto, none, present), the rest is the file. Every cell read must be a finite number. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ds_parse.h"
#include "fuzzutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int header[3] = { -1, 0, 1 };
    if (size < 1)
        return 0;
    const char *buf = (const char *)data + 1;
    size_t len = size - 1;
    ds_csv c;
    char err[512] = "";
    if (ds_csv_scan(buf, len, header[data[0] % 3], &c, err, sizeof err) != 0) {
        if (!err[0])
            fuzz_fail("a CSV file refused without a message");
        return 0;
    }
    if (c.n_cols == 0 || (size_t)c.n_rows * c.n_cols > len)
        fuzz_fail("a CSV file read with more cells than it can hold");
    double *cells = malloc(((size_t)c.n_rows * c.n_cols + 1) * sizeof *cells);
    uint32_t *lines = malloc(((size_t)c.n_rows + 1) * sizeof *lines);
    if (!cells || !lines)
        fuzz_fail("out of memory");
    ds_csv_fill(buf, len, &c, cells, lines);
    for (size_t i = 0; i < (size_t)c.n_rows * c.n_cols; i++)
        if (!isfinite(cells[i]))
            fuzz_fail("a CSV cell read as a number that is not finite");
    for (uint32_t r = 1; r < c.n_rows; r++)
        if (lines[r] <= lines[r - 1])
            fuzz_fail("CSV line numbers out of order");
    char name[256];
    for (uint32_t k = 0; k < c.n_cols; k++)
        ds_csv_column_name(buf, len, &c, k, name, sizeof name);
    free(cells);
    free(lines);
    return 0;
}
