/* fuzz_net.c: a saved network (a NET file, or one line of nets.jsonl) through rs_netio_load,
 * and, when it loads, one forward pass of the network it built. */
#include <stdlib.h>
#include <string.h>

#include "fuzzutil.h"
#include "netio.h"
#include "network.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size), err[2048] = "";
    rs_loaded_net ln;
    if (rs_netio_load(text, "net.json", fuzz_registry(), 2, &ln, err, sizeof err) == 0) {
        rs_real x[2 * 64] = { 0 };
        if (ln.net->sizes[0] <= 64) /* sized inputs of 0: any finite output will do */
            rs_net_forward(ln.net, x, 2);
        rs_netio_free(&ln);
    } else if (!err[0]) {
        fuzz_fail("a network refused without a message");
    }
    free(text);
    return 0;
}
