/* fuzz_nets_jsonl.c: a run's nets.jsonl as `ruleset inspect` and `ruleset plot` read it: the
 * index of every job's line (rs_runview_load's first call), then each job's network through
 * rs_netio_load and the check of its key, on a run of 2 rules x 1 task x 1 network x 2
 * replicates planned once. */
#include <stdlib.h>
#include <string.h>

#include "fuzzutil.h"
#include "netio.h"
#include "runview.h"

static const char spec_text[] =
    "{\"name\": \"fz\", \"replicates\": 2, \"steps\": 20, \"eval_every\": 10,\n"
    " \"rules\": [\"backprop\", \"hebbian\"], \"tasks\": [\"gates:gate=xor\"],\n"
    " \"networks\": [\"2-2-1\"]}\n";

static rs_runview view;

static void close_view(void) { rs_runview_close(&view); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[512], err[8192];
    if (!view.spec) {
        fuzz_write_text("spec.json", spec_text, path, sizeof path);
        if (rs_runview_open(&view, fuzz_registry(), path, fuzz_dir(), err, sizeof err))
            fuzz_fail(err);
        atexit(close_view);
    }
    fuzz_write("nets.jsonl", data, size, path, sizeof path);
    free(view.net_line); /* read the file afresh */
    view.net_line = NULL;
    view.nets_state = 0;
    for (size_t j = 0; j < view.run.n_jobs; j++) {
        rs_loaded_net ln;
        err[0] = '\0';
        if (rs_runview_load(&view, j, 4, &ln, err, sizeof err) == 0)
            rs_netio_free(&ln);
        else if (!err[0])
            fuzz_fail("a network refused without a message");
    }
    return 0;
}
