/* gates.c: the task "gates", any boolean function of two inputs.
 *
 * gate names one of and, or, xor, nand, nor, xnor, or "table", which takes the function from
 * the 4-character truth table `table`: the outputs for the rows (0,0), (0,1), (1,0), (1,1) in
 * this order, so "0110" is xor and "1001" is xnor. The four rows are the whole task (n_full =
 * 4) and its evaluation set, in that order. Coding (01 / pm1), output units (one / onehot) and
 * the loss are those of every truth-table task; see truth_table.h. */
#include "truth_table.h"

static const struct {
    const char *name;
    const char *table; /* outputs for (0,0), (0,1), (1,0), (1,1) */
} gates[] = {
    { "and", "0001" },  { "or", "0111" },  { "xor", "0110" },
    { "nand", "1110" }, { "nor", "1000" }, { "xnor", "1001" },
};

static rs_status gates_create(const rs_host *host, rs_ctx *ctx, const rs_params *p,
                              rs_task_info *info_out, void **state_out)
{
    *state_out = NULL;
    const char *gate = host->param_str(p, "gate");
    const char *table = host->param_str(p, "table");
    /* checked even when gate is a name: a malformed table is a mistake wherever it is */
    if (strlen(table) != 4 || strspn(table, "01") != 4)
        return host->fail(ctx, RS_ERR_PARAM,
                          "table must be 4 characters of 0 and 1, the outputs for the rows "
                          "(0,0),(0,1),(1,0),(1,1) (xor is \"0110\"); got \"%s\"", table);
    for (size_t g = 0; g < sizeof gates / sizeof gates[0]; g++)
        if (strcmp(gate, gates[g].name) == 0)
            table = gates[g].table;
    unsigned char target[4];
    for (int r = 0; r < 4; r++)
        target[r] = table[r] == '1';
    return tt_create(host, ctx, p, 2, target, info_out, state_out);
}

static const rs_param_spec gates_params[] = {
    { .name = "gate", .type = RS_PARAM_CHOICE, .def_str = "xor",
      .choices = "and|or|xor|nand|nor|xnor|table",
      .help = "the boolean function; table = the one given by the table parameter" },
    { .name = "table", .type = RS_PARAM_STR, .def_str = "0110",
      .help = "with gate=table: outputs for rows (0,0),(0,1),(1,0),(1,1), e.g. 0110" },
    TT_COMMON_PARAMS,
    { 0 }
};

static const rs_task_desc gates_task = {
    RS_PLUGIN_HEAD(rs_task_desc, RS_KIND_TASK),
    .head.name = "gates", .head.version = "1.0.0",
    .head.summary = "2-input boolean functions (and, or, xor, ... or any truth table)",
    .head.citation = NULL, .head.params = gates_params,
    .create = gates_create, .batch = tt_batch, .eval_set = tt_eval_set, .solved = tt_solved,
    .destroy = tt_destroy, .gather = tt_gather,
};

RS_EXPORT const rs_plugin_head *rs_plugin_entry(const rs_host *host, uint32_t index)
{
    (void)host;
    return index == 0 ? &gates_task.head : NULL;
}
