/* plan_check.c: what planning checks before any job runs, beyond the tasks' sizes (plan.c):
 * every size within what the host handles, every job's memory within the machine's, and every
 * distinct rule, task and network opened once as its jobs will open them, so a bad activation
 * parameter or a missing, corrupt or foreign weights file ends the run with one line (exit 2)
 * instead of failing in every job. */
#include "runner.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "job.h"

/* Saturating size_t arithmetic: an absurd size becomes SIZE_MAX, never a wrapped small one. */
static size_t mul(size_t a, size_t b)
{
    return a && b > SIZE_MAX / a ? SIZE_MAX : a * b;
}

static size_t add(size_t a, size_t b)
{
    return b > SIZE_MAX - a ? SIZE_MAX : a + b;
}

/* A layered network's bytes for batches of `cap` columns, as rs_net_create lays them out:
 * weights and biases with their gradients (and two more copies for an optimizer's state), per
 * layer the pre-activations, activations and deltas of a batch, and the widest layer's
 * scratch. (A batch of 10^7 on gates: 0.76 GB estimated, 0.83 GB peak resident.) */
static size_t layered_bytes(const rs_netspec *ns, const rs_task_info *ti, size_t cap)
{
    size_t units = ti->n_in, params = 0, prev = ti->n_in, widest = ti->n_in;
    for (uint32_t l = 0; l <= ns->n_hidden; l++) {
        size_t w = l < ns->n_hidden ? ns->hidden[l] : ti->n_out;
        params = add(params, add(mul(prev, w), ns->bias ? w : 0));
        units = add(units, w);
        widest = w > widest ? w : widest;
        prev = w;
    }
    size_t per_batch = mul(add(mul(3, units), widest), cap);
    return mul(sizeof(rs_real), add(mul(4, params), per_batch));
}

/* A recurrent network's: P, A, their gradients and a mask (N x N), and every round's node
 * values and deltas of a batch. */
static size_t recurrent_bytes(const rs_netspec *ns, size_t cap)
{
    size_t n = (size_t)ns->rec.nodes + (ns->rec.bias_node != 0);
    size_t per_batch = mul(mul(n, cap), mul(2, (size_t)ns->rec.rounds + 1));
    return mul(sizeof(rs_real), add(mul(6, mul(n, n)), per_batch));
}

/* Job bytes of group g: the network for the larger of the batch and the evaluation set, the
 * batch buffers, and the evaluation set with its predictions. */
static size_t job_bytes(const rs_run *run, size_t g, long batch)
{
    const rs_group *gr = &run->groups[g];
    const rs_task_info *ti = &run->tasks[gr->task].info;
    const rs_netspec *ns = &run->spec->nets[gr->net];
    size_t cap = (size_t)batch > ti->n_full ? (size_t)batch : ti->n_full;
    size_t net = ns->kind == RS_NET_RECURRENT ? recurrent_bytes(ns, cap)
                                              : layered_bytes(ns, ti, cap);
    size_t io = add(ti->n_in, mul(2, ti->n_out));
    return add(net, mul(sizeof(rs_real), add(mul(io, (size_t)batch), mul(io, ti->n_full))));
}

static double gb(size_t bytes)
{
    return (double)bytes / 1e9;
}

/* The task's own sizes: within what a job can index. */
static int check_task(const rs_run *run, size_t t, char *err, size_t err_size)
{
    const rs_task_info *ti = &run->tasks[t].info;
    const char *what = ti->n_in > RS_MAX_WIDTH ? "inputs" : ti->n_out > RS_MAX_WIDTH ? "outputs"
                                                                                      : NULL;
    if (what) {
        snprintf(err, err_size, "task '%s' reports %u %s, more than the %d a network layer may "
                 "have (a bug in the task, or parameters too large)", run->spec->tasks[t].label,
                 ti->n_in > RS_MAX_WIDTH ? ti->n_in : ti->n_out, what, RS_MAX_WIDTH);
        return 1;
    }
    if (ti->n_full > INT32_MAX) {
        snprintf(err, err_size, "task '%s' reports %u examples, more than the %d the host "
                 "handles (a bug in the task, or parameters too large)",
                 run->spec->tasks[t].label, ti->n_full, INT32_MAX);
        return 1;
    }
    return 0;
}

/* What the machine can give: MemAvailable (free memory plus what the kernel can reclaim),
 * where /proc says it, else the physical memory. */
static size_t machine_bytes(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    unsigned long long kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    if (kb > 0)
        return mul((size_t)kb, 1024);
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    return pages > 0 && page > 0 ? mul((size_t)pages, (size_t)page) : SIZE_MAX;
}

/* Every group's batch and memory; `limit` bytes, 0 = the machine's physical memory, which the
 * jobs running at once (one a thread) share. */
static int check_memory(const rs_run *run, size_t limit, char *err, size_t err_size)
{
    size_t have = limit ? limit : machine_bytes();
    size_t at_once = run->threads > 1 ? (size_t)run->threads : 1;
    if (at_once > run->n_jobs)
        at_once = run->n_jobs ? run->n_jobs : 1;
    for (size_t g = 0; g < run->n_groups; g++) {
        const rs_group *gr = &run->groups[g];
        const rs_spec *s = run->spec;
        long batch = rs_job_batch(run, gr->rule, gr->task);
        char nl[128];
        rs_netspec_label(&s->nets[gr->net], run->tasks[gr->task].info.n_in,
                         run->tasks[gr->task].info.n_out, nl, sizeof nl);
        if (batch > INT32_MAX) {
            snprintf(err, err_size, "rule '%s' on task '%s': batch %ld is more than the %d a "
                     "batch may hold", s->rules[gr->rule].label, s->tasks[gr->task].label,
                     batch, INT32_MAX);
            return 1;
        }
        size_t need = job_bytes(run, g, batch);
        if (mul(need, at_once) > have) {
            snprintf(err, err_size, "rule '%s' on task '%s', network '%s', batch %ld: a job "
                     "needs about %.3g GB of memory and %zu run at once, more than %s %.3g GB; "
                     "lower the batch, the network's sizes or --threads",
                     s->rules[gr->rule].label, s->tasks[gr->task].label, nl, batch, gb(need),
                     at_once, limit ? "--max-memory's" : "the available", gb(have));
            return 1;
        }
    }
    return 0;
}

/* The dry open of a group whose jobs run in worker processes (isolate.h): in a child of its
 * own, so a plugin that crashes in create is refused with one line instead of taking the run
 * down. Planning runs before any thread is started, so the fork is safe. */
static int dry_open_isolated(rs_run *run, size_t g, char *err, size_t err_size)
{
    int fds[2];
    if (pipe(fds) != 0)
        return rs_job_dry_open(run, g * run->n_reps, err, err_size);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        char msg[2048] = "";
        int rc = rs_job_dry_open(run, g * run->n_reps, msg, sizeof msg);
        if (rc && write(fds[1], msg, strlen(msg)) < 0)
            rc = 2;
        _exit(rc ? 1 : 0);
    }
    close(fds[1]);
    char msg[2048] = "";
    ssize_t n = pid > 0 ? read(fds[0], msg, sizeof msg - 1) : -1;
    msg[n > 0 ? n : 0] = '\0';
    close(fds[0]);
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0)
        return rs_job_dry_open(run, g * run->n_reps, err, err_size);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFSIGNALED(status)) {
        const rs_group *gr = &run->groups[g];
        snprintf(err, err_size, "rule '%s' on task '%s': a plugin crashed while the job was being "
                 "set up (%s in a create callback); fix or remove that plugin",
                 run->spec->rules[gr->rule].label, run->spec->tasks[gr->task].label,
                 strsignal(WTERMSIG(status)));
        return 1;
    }
    snprintf(err, err_size, "%s", msg[0] ? msg : "a job could not be set up");
    return 1;
}

int rs_run_check(rs_run *run, size_t max_memory, char *err, size_t err_size)
{
    for (size_t t = 0; t < run->spec->n_tasks; t++)
        if (check_task(run, t, err, err_size))
            return 1;
    if (check_memory(run, max_memory, err, err_size))
        return 1;
    for (size_t g = 0; g < run->n_groups && run->n_reps; g++) {
        int isolated = run->isolate_group && run->isolate_group[g];
        if (isolated ? dry_open_isolated(run, g, err, err_size)
                     : rs_job_dry_open(run, g * run->n_reps, err, err_size))
            return 1;
    }
    return 0;
}
