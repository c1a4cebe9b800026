/* streams.c: a job's random streams, derived from its resolved configuration and the seed.
 *
 * Each item (rule, task) has a canonical text: its plugin's name, then the parameters whose
 * resolved value differs from the table's default, in table order ("backprop[lr=0.5]",
 * "gates:gate=table,table=0110"; rs_params_canonical). However a configuration is spelled
 * (a default given or left out, 0.5 or 5e-1) the text is the same, and a "label" is no part
 * of it. A network's part is its shape ("2-3-1", "rec-n4-r2"), never its label. Then
 *
 *   task stream  FNV-1a(task + "|task")                + replicate * 7919
 *   init stream  FNV-1a(task + shape + "|init")        + replicate * 104729
 *   job stream   FNV-1a(rule + task + shape + "|job")  + replicate * 1299709
 *
 * drawn with the spec's seed. The task's evaluation set and the initial weights do not depend
 * on the rule (nor on the activations or the init scheme's own settings), so every rule meets
 * the same data and the same starting network in replicate k: comparisons are paired. Nothing
 * depends on thread count, shard or rank. */
#include "runner.h"

#include "rng.h"
#include "strbuf.h"

void rs_item_canonical(const rs_item *it, rs_strbuf *b)
{
    rs_strbuf p = { 0 };
    rs_params_canonical(it->params, NULL, &p);
    rs_sb_puts(b, it->head->name);
    if (p.len)
        rs_sb_printf(b, it->head->kind == RS_KIND_RULE ? "[%s]" : ":%s", p.s);
    rs_sb_free(&p);
}

/* h continued over the item's canonical text. */
static uint64_t hash_item(uint64_t h, const rs_item *it)
{
    rs_strbuf b = { 0 };
    rs_item_canonical(it, &b);
    h = rs_hash_str(h, b.s && !b.oom ? b.s : it->head->name);
    rs_sb_free(&b);
    return h;
}

void rs_job_streams(const rs_run *run, size_t i, uint64_t *task, uint64_t *init, uint64_t *job)
{
    size_t r, t, k, rep;
    rs_job_coords(run, i, &r, &t, &k, &rep);
    const rs_spec *s = run->spec;
    const rs_task_info *ti = &run->tasks[t].info;
    char shape[128];
    rs_netspec_shape(&s->nets[k], ti->n_in, ti->n_out, shape, sizeof shape);
    uint64_t ht = hash_item(0, &s->tasks[t]);
    *task = rs_hash_str(ht, "|task") + rep * 7919u;
    *init = rs_hash_str(rs_hash_str(ht, shape), "|init") + rep * 104729u;
    uint64_t hj = hash_item(hash_item(0, &s->rules[r]), &s->tasks[t]);
    *job = rs_hash_str(rs_hash_str(hj, shape), "|job") + rep * 1299709u;
}

uint64_t rs_job_task_stream(const rs_run *run, size_t i)
{
    uint64_t task, init, job;
    rs_job_streams(run, i, &task, &init, &job);
    return task;
}
