/* test_spec.c: comparison specs (core/run/spec*.c): every error is one line that says where
 * (FILE:LINE[:COL]) and what, validated against the plugins' parameter tables; list values
 * expand into sweeps; inline "name:k=v" items; the network forms and init strings. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "params.h"
#include "spec.h"
#include "testutil.h"

static rs_registry *reg; /* loaded once before the forked tests run */

static void setup(void) { reg = rs_test_registry(); }
static void teardown(void) { rs_registry_destroy(reg); }

static char err[2048];

static rs_spec *parse(const char *text)
{
    err[0] = '\0';
    rs_spec *s = rs_spec_parse(text, "spec.json", reg, err, sizeof err);
    if (s)
        ck_assert_str_eq(err, "");
    return s;
}

static rs_spec *parse_ok(const char *text)
{
    rs_spec *s = parse(text);
    ck_assert_msg(s != NULL, "spec refused: %s", err);
    return s;
}

/* The spec must be refused with a one-line message starting with `prefix` and holding every
 * fragment. */
static void refused(const char *text, const char *prefix, const char *f1, const char *f2,
                    const char *f3)
{
    rs_spec *s = parse(text);
    ck_assert_msg(s == NULL, "spec accepted, expected an error starting '%s'", prefix);
    ck_assert_msg(strchr(err, '\n') == NULL, "message is not one line: %s", err);
    ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0, "'%s' does not start with '%s'",
                  err, prefix);
    const char *frags[] = { f1, f2, f3 };
    for (int i = 0; i < 3; i++)
        ck_assert_msg(!frags[i] || strstr(err, frags[i]), "'%s' not in: %s", frags[i], err);
}

#define RULE_TASK "\"rules\": [\"backprop\"], \"tasks\": [\"gates\"]"

/* ---- syntax ------------------------------------------------------------------------------ */

START_TEST(test_malformed_json_line_col)
{
    /* the comma after "seed": 1 is missing; cJSON stops at the next key, line 4, column 3 */
    refused("{\n"
            "  \"name\": \"x\",\n"
            "  \"seed\": 1\n"
            "  \"steps\": 10\n"
            "}\n",
            "spec.json:4:3: malformed JSON", "missing comma", NULL, NULL);
    /* an unclosed string on line 2 */
    refused("{\n  \"name\": \"x,\n  \"seed\": 1 }", "spec.json:", "malformed JSON", NULL, NULL);
    /* trailing garbage after the object (require_null_terminated) */
    refused("{ " RULE_TASK " }\n\nx", "spec.json:3:", "malformed JSON", NULL, NULL);
    refused("", "spec.json:1:", "malformed JSON", NULL, NULL);
    refused("[1, 2]", "spec.json:1: the spec must be a JSON object", NULL, NULL, NULL);
}
END_TEST

START_TEST(test_unknown_top_key)
{
    refused("{\n"
            "  \"name\": \"x\",\n"
            "  \"seed\": 3,\n"
            "  \"colour\": \"red\",\n"
            "  " RULE_TASK "\n"
            "}",
            "spec.json:4: colour: unknown key", "replicates", "rules", NULL);
}
END_TEST

START_TEST(test_top_level_values)
{
    refused("{ \"replicates\": 0, " RULE_TASK " }", "spec.json:1: replicates:",
            "whole number >= 1", NULL, NULL);
    refused("{\n\"steps\": 1.5,\n" RULE_TASK " }", "spec.json:2: steps:", "whole number", NULL,
            NULL);
    refused("{\n\"batch\": \"half\",\n" RULE_TASK " }", "spec.json:2: batch:", "\"full\"", NULL,
            NULL);
    refused("{\n\n\"seed\": -1,\n" RULE_TASK " }", "spec.json:3: seed:", ">= 0", NULL, NULL);
    refused("{\n\"name\": \"my run\",\n" RULE_TASK " }", "spec.json:2: name:", "run folder",
            NULL, NULL);
    refused("{ \"tasks\": [\"gates\"] }", "spec.json", "rules", "non-empty list of rules", NULL);
    refused("{ \"rules\": [], \"tasks\": [\"gates\"] }", "spec.json:1: rules:", "non-empty",
            NULL, NULL);

    rs_spec *s = parse_ok("{ " RULE_TASK " }"); /* the defaults */
    ck_assert_str_eq(s->name, "run");
    ck_assert_uint_eq(s->seed, 1);
    ck_assert_int_eq(s->replicates, 10);
    ck_assert_int_eq(s->steps, 1000);
    ck_assert_int_eq(s->batch, 0);
    ck_assert_uint_eq(s->n_nets, 1);
    ck_assert_uint_eq(s->nets[0].n_hidden, 1);
    ck_assert_uint_eq(s->nets[0].hidden[0], 2);
    rs_spec_destroy(s);

    s = parse_ok("{ \"name\": \"n-1.x\", \"seed\": 42, \"replicates\": 3, \"steps\": 0, "
                 "\"batch\": \"full\", \"eval_every\": 7, " RULE_TASK " }");
    ck_assert_str_eq(s->name, "n-1.x");
    ck_assert_uint_eq(s->seed, 42);
    ck_assert_int_eq(s->replicates, 3);
    ck_assert_int_eq(s->steps, 0);
    ck_assert_int_eq(s->batch, 0);
    ck_assert_int_eq(s->eval_every, 7);
    ck_assert_ptr_nonnull(s->json);
    ck_assert_ptr_nonnull(strstr(s->json, "\"seed\":\t42"));
    rs_spec_destroy(s);
}
END_TEST

/* ---- plugins and parameters ----------------------------------------------------------------- */

START_TEST(test_unknown_plugin)
{
    refused("{\n"
            "  \"tasks\": [\"gates\"],\n"
            "  \"rules\": [\n"
            "    { \"plugin\": \"backprop\" },\n"
            "    { \"plugin\": \"hebb\" }\n"
            "  ]\n"
            "}",
            "spec.json:5: rules[1]: unknown rule plugin 'hebb'", "known: backprop",
            "ruleset list", NULL);
    refused("{ \"rules\": [\"backprop\"], \"tasks\": [\"xor3\"] }", "spec.json:1: tasks[0]:",
            "unknown task plugin 'xor3'", "circuits", "parity");
    refused("{ \"rules\": [{ \"params\": {} }], \"tasks\": [\"gates\"] }",
            "spec.json", "rules[0]: missing \"plugin\"", NULL, NULL);
    refused("{ \"rules\": [{ \"plugin\": \"backprop\", \"colour\": 1 }], \"tasks\": [\"gates\"] }",
            "spec.json:1: rules[0]: unknown key 'colour'", NULL, NULL, NULL);
    refused("{ \"rules\": [3], \"tasks\": [\"gates\"] }", "spec.json:1: rules[0]:",
            "expected an object", NULL, NULL);
}
END_TEST

START_TEST(test_unknown_parameter)
{
    refused("{\n"
            "  \"tasks\": [\"gates\"],\n"
            "  \"rules\": [\n"
            "    { \"plugin\": \"backprop\",\n"
            "      \"params\": { \"lr\": 0.1,\n"
            "                  \"lrate\": 0.5 } }\n"
            "  ]\n"
            "}",
            "spec.json:6: rules[0].params.lrate: backprop has no parameter 'lrate'",
            "known: lr, loss, optimizer, momentum, beta1, beta2, eps, weight_decay", NULL, NULL);
    refused("{ \"rules\": [\"backprop\"], \"tasks\": [\"gates:gait=xor\"] }",
            "spec.json:1: tasks[0].params.gait:", "gates has no parameter 'gait'",
            "known: gate, table", NULL);
}
END_TEST

START_TEST(test_out_of_range)
{
    refused("{\n"
            "  \"tasks\": [\"gates\"],\n"
            "  \"rules\": [\n"
            "    { \"plugin\": \"backprop\", \"params\": { \"lr\": 1000 } }\n"
            "  ]\n"
            "}",
            "spec.json:4: rules[0].params.lr: backprop: 'lr' = 1000 is out of range (0, 100]",
            NULL, NULL, NULL);
    /* lr = 0 trains nothing: backprop's range excludes it (RS_PARAM_OPEN_LO) and says so */
    refused("{ \"rules\": [\"backprop:lr=0\"], \"tasks\": [\"gates\"] }",
            "spec.json:1: rules[0].params.lr: backprop: 'lr' = 0 is out of range (0, 100]; the "
            "end is excluded: give a value above 0", NULL, NULL, NULL);
    /* the line of the offending rule, not of an earlier rule with the same key */
    refused("{\n"
            "  \"tasks\": [\"gates\"],\n"
            "  \"rules\": [\n"
            "    { \"plugin\": \"backprop\", \"params\": { \"lr\": 0.5 } },\n"
            "    { \"plugin\": \"backprop\",\n"
            "      \"params\": { \"lr\": -1 } }\n"
            "  ]\n"
            "}",
            "spec.json:6: rules[1].params.lr:", "'lr' = -1 is out of range (0, 100]", NULL, NULL);
    /* one bad value inside a sweep */
    refused("{\n  \"tasks\": [\"gates\"],\n  \"rules\": [ { \"plugin\": \"backprop\",\n"
            "    \"params\": { \"momentum\": [0, 0.9, 1.5] } } ] }",
            "spec.json:4: rules[0].params.momentum:", "1.5 is out of range [0, 1]", NULL, NULL);
    refused("{ \"tasks\": [\"gates\"], \"rules\": [{ \"plugin\": \"backprop\", "
            "\"params\": { \"loss\": \"hinge\" } }] }",
            "spec.json:1: rules[0].params.loss:", "'hinge' is not one of task|mse|bce|ce", NULL,
            NULL);
    refused("{ \"tasks\": [\"gates\"], \"rules\": [{ \"plugin\": \"backprop\", "
            "\"params\": { \"lr\": \"fast\" } }] }",
            "spec.json:1: rules[0].params.lr:", "takes a number", NULL, NULL);
    refused("{ \"tasks\": [\"gates\"], \"rules\": [{ \"plugin\": \"backprop\", "
            "\"params\": { \"lr\": [] } }] }",
            "spec.json:1: rules[0]:", "empty list", NULL, NULL);
    refused("{ \"tasks\": [\"parity:bits=2.5\"], \"rules\": [\"backprop\"] }",
            "spec.json:1: tasks[0].params.bits:", "parity", "whole number", NULL);
    /* an inline item before an object item: the object's own line still */
    refused("{\n"
            "  \"tasks\": [\"gates\"],\n"
            "  \"rules\": [ \"backprop:lr=0.5\",\n"
            "    { \"plugin\": \"backprop\", \"params\": { \"lr\": 0.25 } },\n"
            "    { \"plugin\": \"backprop\", \"params\": { \"lr\": 200 } } ] }",
            "spec.json:5: rules[2].params.lr:", "200 is out of range", NULL, NULL);
    refused("{\n"
            "  \"tasks\": [\"gates\"],\n"
            "  \"rules\": [ \"backprop:lr=0.5\",\n"
            "    { \"plugin\": \"hebb\" } ] }",
            "spec.json:4: rules[1]: unknown rule plugin 'hebb'", NULL, NULL, NULL);
}
END_TEST

START_TEST(test_sweep_expands)
{
    rs_spec *s = parse_ok("{ \"tasks\": [\"gates\"], \"rules\": [\n"
                          "  { \"plugin\": \"backprop\",\n"
                          "    \"params\": { \"loss\": [\"mse\", \"bce\"], \"lr\": [0.1, 0.5, 2] } },\n"
                          "  \"backprop\",\n"
                          "  { \"plugin\": \"backprop\", \"params\": { \"lr\": [0.25] } },\n"
                          "  { \"plugin\": \"backprop\", \"label\": \"mine\", \"steps\": 5,\n"
                          "    \"params\": { \"optimizer\": \"adam\" } }\n"
                          "] }");
    ck_assert_uint_eq(s->n_rules, 9);
    /* every combination, the last key fastest, labels in table order (lr before loss) */
    static const char *const want[] = {
        "backprop[lr=0.1,loss=mse]", "backprop[lr=0.5,loss=mse]", "backprop[lr=2,loss=mse]",
        "backprop[lr=0.1,loss=bce]", "backprop[lr=0.5,loss=bce]", "backprop[lr=2,loss=bce]",
        "backprop", "backprop[lr=0.25]", "mine",
    };
    static const double lr[] = { 0.1, 0.5, 2, 0.1, 0.5, 2, 0.1, 0.25, 0.1 };
    for (size_t i = 0; i < 9; i++) {
        ck_assert_str_eq(s->rules[i].label, want[i]);
        ck_assert_double_eq_tol(rs_param_real(s->rules[i].params, "lr"), lr[i], 1e-12);
        ck_assert_ptr_eq(s->rules[i].head, rs_registry_find(reg, RS_KIND_RULE, "backprop"));
    }
    ck_assert_str_eq(rs_param_str(s->rules[0].params, "loss"), "mse");
    ck_assert_str_eq(rs_param_str(s->rules[5].params, "loss"), "bce");
    ck_assert_str_eq(rs_param_str(s->rules[6].params, "loss"), "task"); /* the default */
    ck_assert_str_eq(rs_param_str(s->rules[8].params, "optimizer"), "adam");
    ck_assert_int_eq(s->rules[8].steps, 5);
    ck_assert_int_eq(s->rules[0].steps, -1);
    /* sweeps of tasks too, labelled name:k=v */
    rs_spec_destroy(s);
    s = parse_ok("{ \"rules\": [\"backprop\"], \"tasks\": [{ \"plugin\": \"gates\", "
                 "\"params\": { \"gate\": [\"and\", \"xor\"], \"coding\": \"pm1\" } }] }");
    ck_assert_uint_eq(s->n_tasks, 2);
    ck_assert_str_eq(s->tasks[0].label, "gates:gate=and,coding=pm1");
    ck_assert_str_eq(s->tasks[1].label, "gates:gate=xor,coding=pm1");
    rs_spec_destroy(s);
}
END_TEST

START_TEST(test_inline_items)
{
    rs_spec *s = parse_ok("{ \"rules\": [\"backprop:lr=0.5,loss=bce\", \"backprop\"], "
                          "\"tasks\": [\"gates:gate=and\", \"parity:bits=3,coding=pm1\", \"gates\"] }");
    ck_assert_uint_eq(s->n_rules, 2);
    ck_assert_str_eq(s->rules[0].label, "backprop[lr=0.5,loss=bce]");
    ck_assert_double_eq_tol(rs_param_real(s->rules[0].params, "lr"), 0.5, 1e-12);
    ck_assert_str_eq(rs_param_str(s->rules[0].params, "loss"), "bce");
    ck_assert_str_eq(s->rules[1].label, "backprop");
    ck_assert_uint_eq(s->n_tasks, 3);
    ck_assert_str_eq(s->tasks[0].label, "gates:gate=and");
    ck_assert_str_eq(rs_param_str(s->tasks[0].params, "gate"), "and");
    ck_assert_str_eq(s->tasks[1].label, "parity:coding=pm1"); /* bits=3 is the default */
    ck_assert_int_eq(rs_param_int(s->tasks[1].params, "bits"), 3);
    ck_assert_str_eq(s->tasks[2].label, "gates");
    rs_spec_destroy(s);
    /* inline values are typed by the parameter's declared type: text stays text */
    s = parse_ok("{ \"rules\": [\"backprop\"], \"tasks\": [\"gates:gate=xor,coding=01\", "
                 "\"gates:gate=table,table=1001\", \"gates:coding=pm1,outputs=one\"] }");
    ck_assert_str_eq(rs_param_str(s->tasks[0].params, "coding"), "01");
    ck_assert_str_eq(s->tasks[0].label, "gates"); /* every value its default */
    ck_assert_str_eq(rs_param_str(s->tasks[1].params, "table"), "1001");
    ck_assert_str_eq(s->tasks[1].label, "gates:gate=table,table=1001");
    ck_assert_str_eq(s->tasks[2].label, "gates:coding=pm1");
    rs_spec_destroy(s);
    refused("{ \"rules\": [\"backprop:lr\"], \"tasks\": [\"gates\"] }",
            "spec.json:1: rules[0]: 'lr': expected key=value", NULL, NULL, NULL);
    refused("{ \"rules\": [\"backprop:lr=fast\"], \"tasks\": [\"gates\"] }", "spec.json",
            "backprop", "'lr' takes a number", NULL);
    refused("{ \"rules\": [\"bakprop:lr=1\"], \"tasks\": [\"gates\"] }", "spec.json:1: rules[0]:",
            "unknown rule plugin 'bakprop'", "did you mean 'backprop'? known: backprop", NULL);
    refused("{ \"rules\": [\"backprop:l=1\"], \"tasks\": [\"gates\"] }", "spec.json:1:",
            "backprop has no parameter 'l'", "did you mean 'lr'? known: lr, loss", NULL);
    refused("{ \"rules\": [\"backprop:zzz=1\"], \"tasks\": [\"gates\"] }", "spec.json:1:",
            "backprop has no parameter 'zzz'; known: lr", NULL, NULL);
}
END_TEST

/* Open range ends (ABI 1.2): a REAL entry's table flags an end excluded; the table check
 * refuses flags on other types and a default at an excluded end; values at it are refused. */
START_TEST(test_open_range_ends)
{
    char e[256] = "";
    const rs_param_spec ok[] = {
        { .name = "lr", .type = RS_PARAM_REAL | RS_PARAM_OPEN_LO, .def = 0.1, .lo = 0, .hi = 1 },
        { .name = "p", .type = RS_PARAM_REAL | RS_PARAM_OPEN_HI, .def = 0, .lo = 0, .hi = 1 },
        { 0 } };
    ck_assert_int_eq(rs_param_table_check(ok, e, sizeof e), 0);
    char range[64];
    rs_param_range_text(&ok[0], range, sizeof range);
    ck_assert_str_eq(range, "(0, 1]");
    rs_param_range_text(&ok[1], range, sizeof range);
    ck_assert_str_eq(range, "[0, 1)");
    const rs_param_spec at_end[] = {
        { .name = "lr", .type = RS_PARAM_REAL | RS_PARAM_OPEN_LO, .def = 0, .lo = 0, .hi = 1 },
        { 0 } };
    ck_assert_int_eq(rs_param_table_check(at_end, e, sizeof e), 1);
    ck_assert_str_eq(e, "parameter 'lr': default 0 outside its range (0, 1]");
    const rs_param_spec on_int[] = {
        { .name = "n", .type = RS_PARAM_INT | RS_PARAM_OPEN_HI, .def = 0, .lo = 0, .hi = 10 },
        { 0 } };
    ck_assert_int_eq(rs_param_table_check(on_int, e, sizeof e), 1);
    ck_assert_msg(strstr(e, "RS_PARAM_OPEN_LO/HI are for REAL parameters"), "%s", e);
    const rs_param_spec big[] = {
        { .name = "n", .type = RS_PARAM_INT, .def = 2, .lo = 2, .hi = 1e6 }, { 0 } };
    rs_param_range_text(&big[0], range, sizeof range);
    ck_assert_str_eq(range, "[2, 1000000]"); /* integers as integers, not 1e+06 */
    rs_params *p = rs_params_create(ok, "fx");
    ck_assert_int_eq(rs_params_set_text(p, "p", "1", e, sizeof e), RS_ERR_PARAM);
    ck_assert_str_eq(e, "fx: 'p' = 1 is out of range [0, 1); the end is excluded: give a value "
                        "below 1");
    ck_assert_int_eq(rs_params_set_text(p, "p", "0", e, sizeof e), RS_OK);
    rs_params_destroy(p);
}
END_TEST

/* A list inline sweeps the parameter as a list in "params" does; commas inside [...] belong
 * to the list. */
START_TEST(test_inline_sweep)
{
    rs_spec *s = parse_ok("{ \"rules\": [\"backprop:lr=[0.1,0.5],loss=bce\", "
                          "\"backprop:optimizer=[sgd,adam]\"], \"tasks\": [\"gates\"] }");
    ck_assert_uint_eq(s->n_rules, 4);
    ck_assert_str_eq(s->rules[0].label, "backprop[lr=0.1,loss=bce]");
    ck_assert_str_eq(s->rules[1].label, "backprop[lr=0.5,loss=bce]");
    ck_assert_double_eq_tol(rs_param_real(s->rules[1].params, "lr"), 0.5, 1e-12);
    ck_assert_str_eq(rs_param_str(s->rules[3].params, "optimizer"), "adam");
    rs_spec_destroy(s);
    refused("{ \"rules\": [\"backprop:lr=[0.1,fast]\"], \"tasks\": [\"gates\"] }",
            "spec.json", "'lr' takes a number, got 'fast'", NULL, NULL);
}
END_TEST

/* A label is as short as the configuration and unique: defaults drop out however they were
 * spelled, swept keys stay, and two items of one label are refused with both places named. */
START_TEST(test_labels_unique)
{
    rs_spec *s = parse_ok("{ \"rules\": [\"backprop:lr=0.1,momentum=0\", \"backprop:lr=5e-1\",\n"
                          "  { \"plugin\": \"backprop\", \"label\": \"mine\",\n"
                          "    \"params\": { \"lr\": [0.1, 0.2] } }],\n"
                          "  \"tasks\": [\"gates\"] }");
    ck_assert_uint_eq(s->n_rules, 4);
    ck_assert_str_eq(s->rules[0].label, "backprop");
    ck_assert_str_eq(s->rules[1].label, "backprop[lr=0.5]");
    ck_assert_str_eq(s->rules[2].label, "mine[lr=0.1]");
    ck_assert_str_eq(s->rules[3].label, "mine[lr=0.2]");
    rs_spec_destroy(s);
    refused("{ \"rules\": [\"backprop:lr=0.5\",\n \"backprop:lr=5e-1\"], \"tasks\": [\"gates\"] }",
            "spec.json:1: rules[1]: rule 'backprop[lr=0.5]' is named like rules[0] on line 1",
            "give one its own \"label\"", NULL, NULL);
    refused("{ \"rules\": [\"backprop\"], \"tasks\": [\n"
            "  { \"plugin\": \"gates\", \"label\": \"xor\" },\n"
            "  { \"plugin\": \"parity\", \"label\": \"xor\" }] }",
            "spec.json:3: tasks[1]: task 'xor' is named like tasks[0] on line 2", NULL, NULL, NULL);
}
END_TEST

/* ---- networks ------------------------------------------------------------------------------- */

START_TEST(test_network_forms)
{
    rs_spec *s = parse_ok("{ " RULE_TASK ", \"networks\": [\n"
                          "  \"2-2-1\",\n"
                          "  \"3-5-4-2\",\n"
                          "  { \"hidden\": [10, 10] },\n"
                          "  { \"hidden\": [], \"act\": \"tanh\", \"bias\": false },\n"
                          "  { \"sizes\": \"2-8-1\", \"act\": [\"tanh\", \"identity\"], "
                          "\"label\": \"wide\" },\n"
                          "  { \"hidden\": [4, 3], \"act\": [\"relu\", \"leaky_relu:slope=0.2\", "
                          "\"sigmoid\"], \"init\": \"xavier\" }\n"
                          "] }");
    ck_assert_uint_eq(s->n_nets, 6);
    ck_assert_uint_eq(s->n_global_nets, 6);
    char lab[128];
    /* "2-2-1": the first and last sizes are the task's; defaults relu then sigmoid, pytorch */
    ck_assert_uint_eq(s->nets[0].n_hidden, 1);
    ck_assert_uint_eq(s->nets[0].hidden[0], 2);
    ck_assert_int_eq(s->nets[0].bias, 1);
    ck_assert_int_eq(s->nets[0].init.kind, RS_INIT_PYTORCH);
    ck_assert_str_eq(rs_netspec_act(&s->nets[0], 1, 2), "relu");
    ck_assert_str_eq(rs_netspec_act(&s->nets[0], 2, 2), "sigmoid");
    rs_netspec_label(&s->nets[0], 2, 1, lab, sizeof lab);
    ck_assert_str_eq(lab, "2-2-1");
    ck_assert_uint_eq(s->nets[1].n_hidden, 2);
    rs_netspec_label(&s->nets[1], 2, 1, lab, sizeof lab); /* the task's own in/out sizes */
    ck_assert_str_eq(lab, "2-5-4-1");
    ck_assert_uint_eq(s->nets[2].n_hidden, 2);
    rs_netspec_label(&s->nets[2], 2, 1, lab, sizeof lab);
    ck_assert_str_eq(lab, "2-10-10-1");
    /* one act: every layer */
    ck_assert_uint_eq(s->nets[3].n_hidden, 0);
    ck_assert_int_eq(s->nets[3].bias, 0);
    ck_assert_str_eq(rs_netspec_act(&s->nets[3], 1, 1), "tanh");
    rs_netspec_label(&s->nets[3], 2, 1, lab, sizeof lab);
    ck_assert_str_eq(lab, "2-1");
    /* two acts: hidden, output */
    ck_assert_str_eq(rs_netspec_act(&s->nets[4], 1, 2), "tanh");
    ck_assert_str_eq(rs_netspec_act(&s->nets[4], 2, 2), "identity");
    rs_netspec_label(&s->nets[4], 2, 1, lab, sizeof lab);
    ck_assert_str_eq(lab, "wide");
    /* one per layer */
    ck_assert_str_eq(rs_netspec_act(&s->nets[5], 1, 3), "relu");
    ck_assert_str_eq(rs_netspec_act(&s->nets[5], 2, 3), "leaky_relu:slope=0.2");
    ck_assert_str_eq(rs_netspec_act(&s->nets[5], 3, 3), "sigmoid");
    ck_assert_int_eq(s->nets[5].init.kind, RS_INIT_XAVIER);
    rs_spec_destroy(s);

    /* two acts over three layers: hidden ones take the first */
    s = parse_ok("{ " RULE_TASK ", \"networks\": [{ \"hidden\": [3, 3], \"act\": [\"tanh\", "
                 "\"sigmoid\"] }] }");
    ck_assert_str_eq(rs_netspec_act(&s->nets[0], 1, 3), "tanh");
    ck_assert_str_eq(rs_netspec_act(&s->nets[0], 2, 3), "tanh");
    ck_assert_str_eq(rs_netspec_act(&s->nets[0], 3, 3), "sigmoid");
    rs_spec_destroy(s);
}
END_TEST

START_TEST(test_network_errors)
{
    refused("{ " RULE_TASK ",\n\"networks\": [\"2-2-1\", \"2-x-1\"] }", "spec.json:2: networks[1]:",
            "'2-x-1' is not a size list", NULL, NULL);
    refused("{ " RULE_TASK ",\n\"networks\": [\"2\"] }", "spec.json:2: networks[0]:",
            "not a size list", NULL, NULL);
    refused("{ " RULE_TASK ",\n\"networks\": [\"2-0-1\"] }", "spec.json:2: networks[0]:",
            "not a size list", NULL, NULL);
    refused("{ " RULE_TASK ",\n\"networks\": [] }", "spec.json:2: networks:", "non-empty",
            NULL, NULL);
    refused("{ " RULE_TASK ", \"networks\": [{ \"hidden\": [2, -1] }] }",
            "spec.json:1: networks[0]:", "positive whole numbers", NULL, NULL);
    refused("{ " RULE_TASK ", \"networks\": [{ \"hidden\": 4 }] }", "spec.json:1: networks[0]:",
            "list of layer sizes", NULL, NULL);
    refused("{ " RULE_TASK ", \"networks\": [{ \"width\": 4 }] }", "spec.json:1: networks[0]:",
            "unknown key 'width'", NULL, NULL);
    refused("{ " RULE_TASK ", \"networks\": [{ \"hidden\": [2], \"act\": \"swish\" }] }",
            "spec.json:1: networks[0]:", "unknown activation 'swish'", "known: identity, sigmoid",
            NULL);
    refused("{ " RULE_TASK ", \"networks\": [{ \"hidden\": [2], \"act\": [\"relu\", \"tanh\", "
            "\"sigmoid\"] }] }",
            "spec.json:1: networks[0]:", "3 activations for 2 weight layers", NULL, NULL);
    refused("{ " RULE_TASK ", \"networks\": [{ \"act\": [] }] }", "spec.json:1: networks[0]:",
            "\"act\" must be a name or a list", NULL, NULL);
    refused("{ " RULE_TASK ", \"networks\": [{ \"bias\": 1 }] }", "spec.json:1: networks[0]:",
            "\"bias\" must be true or false", NULL, NULL);
    refused("{ " RULE_TASK ", \"networks\": [7] }", "spec.json:1: networks[0]:",
            "expected an object", NULL, NULL);
}
END_TEST

START_TEST(test_init_strings)
{
    static const struct { const char *text; int kind; double sigma, w, b; } ok[] = {
        { "pytorch", RS_INIT_PYTORCH, 0.1, 0, 0 },
        { "xavier", RS_INIT_XAVIER, 0.1, 0, 0 },
        { "normal", RS_INIT_NORMAL, 0.1, 0, 0 },
        { "normal:sigma=0.5", RS_INIT_NORMAL, 0.5, 0, 0 },
        { "constant:w=0,b=1", RS_INIT_CONSTANT, 0.1, 0, 1 },
        { "constant:b=-2.5,w=0.25", RS_INIT_CONSTANT, 0.1, 0.25, -2.5 },
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        char text[256];
        snprintf(text, sizeof text, "{ " RULE_TASK ", \"networks\": [{ \"hidden\": [2], "
                 "\"init\": \"%s\" }] }", ok[i].text);
        rs_spec *s = parse_ok(text);
        const rs_init *in = &s->nets[0].init;
        ck_assert_msg(in->kind == ok[i].kind, "%s: kind %d", ok[i].text, in->kind);
        ck_assert_str_eq(s->nets[0].init_text, ok[i].text);
        if (in->kind == RS_INIT_NORMAL)
            ck_assert_double_eq_tol(in->sigma, ok[i].sigma, 1e-12);
        if (in->kind == RS_INIT_CONSTANT) {
            ck_assert_double_eq_tol(in->w, ok[i].w, 1e-12);
            ck_assert_double_eq_tol(in->b, ok[i].b, 1e-12);
        }
        rs_spec_destroy(s);
    }
    static const struct { const char *text, *frag; } bad[] = {
        { "gaussian", "unknown init 'gaussian'" },
        { "normal:mu=1", "unknown or invalid 'mu'" },
        { "normal:sigma=-1", "unknown or invalid 'sigma'" },
        { "constant:w", "expected key=number" },
        { "constant:w=x", "expected key=number" },
        { "xavier:gain=2", "unknown init 'xavier:gain=2'" },
        { "normalish", "unknown init 'normalish'" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char text[256];
        snprintf(text, sizeof text, "{ " RULE_TASK ",\n\"networks\": [{ \"hidden\": [2], "
                 "\"init\": \"%s\" }] }", bad[i].text);
        refused(text, "spec.json:2: networks[0]:", bad[i].frag, NULL, NULL);
    }
    refused("{ " RULE_TASK ", \"networks\": [{ \"init\": 3 }] }", "spec.json:1: networks[0]:",
            "\"init\" must be a string", NULL, NULL);
    /* rs_init_parse directly */
    rs_init in;
    char msg[256];
    ck_assert_int_eq(rs_init_parse("constant:w=3", &in, msg, sizeof msg), 0);
    ck_assert_double_eq(in.w, 3);
    ck_assert_double_eq(in.b, 0);
    ck_assert_int_ne(rs_init_parse("", &in, msg, sizeof msg), 0);
}
END_TEST

/* Tasks may bring their own networks and per-task settings. */
/* "init" as a list: one scheme per weight layer (notebook 002's fixed start needs it). */
START_TEST(test_init_per_layer)
{
    rs_spec *s = parse_ok("{ " RULE_TASK ", \"networks\": [{ \"hidden\": [2, 1], \"init\": "
                          "[\"constant:w=0,b=0\", \"constant:w=1,b=0\", \"xavier\"] }] }");
    const rs_netspec *ns = &s->nets[0];
    ck_assert_uint_eq(ns->n_init, 3);
    ck_assert_int_eq(ns->layer_init[0].kind, RS_INIT_CONSTANT);
    ck_assert_double_eq(ns->layer_init[1].w, 1);
    ck_assert_int_eq(ns->layer_init[2].kind, RS_INIT_XAVIER);
    ck_assert_str_eq(ns->init_text, "constant:w=0,b=0"); /* the first layer's */
    /* the weights it gives: layer 1 all 0, layer 2 all 1, layer 3 Glorot, every bias 0 */
    const uint32_t sizes[] = { 2, 2, 1, 2 };
    const rs_act *acts[3] = { NULL, NULL, NULL }; /* init never applies them */
    rs_net *net = rs_net_create(sizes, 3, acts, 1, 1);
    ck_assert_ptr_nonnull(net);
    rs_rng rng;
    rs_rng_init(&rng, 1, 2);
    rs_net_init_layers(net, ns->layer_init, ns->n_init, &rng);
    for (int i = 0; i < 4; i++)
        ck_assert_float_eq(net->layers[0].w[i], 0);
    for (int i = 0; i < 2; i++) {
        ck_assert_float_eq(net->layers[1].w[i], 1);
        ck_assert_float_eq(net->layers[2].b[i], 0);
        ck_assert_float_eq(net->layers[0].b[i], 0);
        ck_assert(fabsf(net->layers[2].w[i]) <= sqrtf(6.0f / 3) && net->layers[2].w[i] != 0);
    }
    ck_assert_float_eq(net->layers[1].b[0], 0);
    rs_net_destroy(net);
    rs_spec_destroy(s);
    refused("{ " RULE_TASK ",\n\"networks\": [{ \"hidden\": [2, 1], \"init\": "
            "[\"xavier\", \"xavier\"] }] }", "spec.json:2: networks[0]: ", "2 inits for 3 weight "
            "layers", NULL, NULL);
    refused("{ " RULE_TASK ",\n\"networks\": [{ \"hidden\": [2], \"init\": [\"xavier\", 1] }] }",
            "spec.json:2: networks[0]: ", "entries must be strings", NULL, NULL);
    refused("{ " RULE_TASK ",\n\"networks\": [{ \"hidden\": [2], \"init\": [\"xavier\", "
            "\"gaussian\"] }] }", "spec.json:2: networks[0]: ", "unknown init 'gaussian'", NULL,
            NULL);
    refused("{ " RULE_TASK ",\n\"networks\": [{ \"hidden\": [2], \"init\": [] }] }",
            "spec.json:2: networks[0]: ", "one per weight layer", NULL, NULL);
}
END_TEST

START_TEST(test_task_networks)
{
    rs_spec *s = parse_ok("{ \"rules\": [\"backprop\"], \"networks\": [\"2-2-1\"], \"tasks\": [\n"
                          "  \"gates\",\n"
                          "  { \"plugin\": \"parity\", \"steps\": 50, \"batch\": \"full\",\n"
                          "    \"networks\": [\"3-4-1\", { \"hidden\": [6], \"act\": \"tanh\" }] }\n"
                          "] }");
    ck_assert_uint_eq(s->n_global_nets, 1);
    ck_assert_uint_eq(s->n_nets, 3);
    ck_assert_uint_eq(s->tasks[0].net_count, 0);
    ck_assert_uint_eq(s->tasks[1].net_first, 1);
    ck_assert_uint_eq(s->tasks[1].net_count, 2);
    ck_assert_int_eq(s->tasks[1].steps, 50);
    ck_assert_int_eq(s->tasks[1].batch, 0);
    ck_assert_uint_eq(s->nets[2].hidden[0], 6);
    rs_spec_destroy(s);
    /* a rule may bring its own networks too: parsed after the global ones, swept items share */
    s = parse_ok("{ \"tasks\": [\"gates\"], \"networks\": [\"2-2-1\"], \"rules\": [\"backprop\", "
                 "{ \"plugin\": \"backprop\", \"params\": { \"lr\": [0.1, 0.2] }, "
                 "\"networks\": [\"2-3-1\", \"2-5-1\"] }] }");
    ck_assert_uint_eq(s->n_nets, 3);
    ck_assert_uint_eq(s->n_rules, 3);
    ck_assert_uint_eq(s->rules[0].net_count, 0);
    for (int r = 1; r < 3; r++) {
        ck_assert_uint_eq(s->rules[r].net_first, 1);
        ck_assert_uint_eq(s->rules[r].net_count, 2);
    }
    ck_assert_uint_eq(s->nets[2].hidden[0], 5);
    rs_spec_destroy(s);
    refused("{ \"tasks\": [\"gates\"], \"rules\": [{ \"plugin\": \"backprop\", \"nets\": "
            "[\"2-2-1\"] }] }",
            "spec.json:1: rules[0]: unknown key 'nets'", "networks", NULL, NULL);
    refused("{ \"rules\": [\"backprop\"], \"tasks\": [{ \"plugin\": \"gates\", \"networks\": "
            "[] }] }",
            "spec.json:1: tasks[0]:", "non-empty list of networks", NULL, NULL);
    refused("{ \"rules\": [{ \"plugin\": \"backprop\", \"steps\": 0 }], \"tasks\": [\"gates\"] }",
            "spec.json:1: rules[0]:", "'steps' must be a positive whole number", NULL, NULL);
}
END_TEST

START_TEST(test_read_file_missing)
{
    char msg[512];
    ck_assert_ptr_null(rs_read_file("/nonexistent/spec.json", msg, sizeof msg));
    ck_assert_ptr_nonnull(strstr(msg, "/nonexistent/spec.json"));
    char *t = rs_read_file(RS_SOURCE_DIR "/rules/default.json", msg, sizeof msg);
    ck_assert_ptr_nonnull(t);
    rs_spec *s = parse_ok(t); /* the shipped default parses */
    ck_assert_str_eq(s->name, "default");
    ck_assert_uint_eq(s->n_tasks, 3);
    ck_assert_uint_eq(s->n_nets, 1);
    ck_assert_uint_ge(s->n_rules, 2);
    rs_spec_destroy(s);
    free(t);
}
END_TEST

static Suite *spec_suite(void)
{
    Suite *s = suite_create("spec");
    TCase *tc = tcase_create("spec");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_malformed_json_line_col);
    tcase_add_test(tc, test_unknown_top_key);
    tcase_add_test(tc, test_top_level_values);
    tcase_add_test(tc, test_unknown_plugin);
    tcase_add_test(tc, test_unknown_parameter);
    tcase_add_test(tc, test_out_of_range);
    tcase_add_test(tc, test_sweep_expands);
    tcase_add_test(tc, test_inline_items);
    tcase_add_test(tc, test_inline_sweep);
    tcase_add_test(tc, test_open_range_ends);
    tcase_add_test(tc, test_labels_unique);
    tcase_add_test(tc, test_network_forms);
    tcase_add_test(tc, test_network_errors);
    tcase_add_test(tc, test_init_strings);
    tcase_add_test(tc, test_init_per_layer);
    tcase_add_test(tc, test_task_networks);
    tcase_add_test(tc, test_read_file_missing);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return rs_test_run(spec_suite()); }
