/* isolate.c: see isolate.h.
 *
 * Fork safety: workers are forked from a process whose other threads keep running, so the
 * child may touch only what fork leaves consistent: glibc's malloc (its fork handlers reset the
 * arena locks), plain memory, and system calls. It never touches stdio (a lock another thread
 * held at fork time would stay held): host->log writes with write(2), and the worker leaves
 * with _exit so it never flushes the parent's buffers. */
#define _GNU_SOURCE /* MAP_ANONYMOUS, prctl, sigaltstack */
#include "isolate.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "clock.h"
#include "ctx.h"

/* ---- which jobs -------------------------------------------------------------------------- */

static int builtin_head(const rs_registry *reg, const rs_plugin_head *h)
{
    const rs_plugin_rec *rec = h ? rs_registry_rec(reg, h) : NULL;
    return rec && rec->builtin;
}

/* Whether a group calls a plugin from outside the built-in folder: its rule, its task, or an
 * activation of its network. */
static int third_party(const rs_run *run, const rs_group *g)
{
    const rs_spec *s = run->spec;
    if (!builtin_head(run->reg, s->rules[g->rule].head)
        || !builtin_head(run->reg, s->tasks[g->task].head))
        return 1;
    const rs_netspec *ns = &s->nets[g->net];
    uint32_t n_layers = ns->n_hidden + 1;
    for (uint32_t l = 1; l <= n_layers; l++) {
        const char *text = rs_netspec_act(ns, l, n_layers);
        char name[64];
        size_t len = strcspn(text, ":");
        snprintf(name, sizeof name, "%.*s", (int)(len < sizeof name ? len : sizeof name - 1),
                 text);
        if (!builtin_head(run->reg, rs_registry_find(run->reg, RS_KIND_ACTIVATION, name)))
            return 1;
    }
    return 0;
}

long rs_isolate_plan(rs_run *run, rs_isolate_mode mode)
{
    free(run->isolate_group);
    run->isolate_group = calloc(run->n_groups ? run->n_groups : 1, 1);
    if (!run->isolate_group)
        return -1;
    if (mode == RS_ISOLATE_AUTO && run->job_timeout > 0)
        mode = RS_ISOLATE_ALL; /* only a process can be stopped safely */
    long n = 0;
    for (size_t g = 0; g < run->n_groups; g++) {
        int iso = mode == RS_ISOLATE_ALL    ? 1
                : mode == RS_ISOLATE_NONE ? 0
                                          : third_party(run, &run->groups[g]);
        run->isolate_group[g] = (unsigned char)iso;
        n += iso;
    }
    return n;
}

/* ---- the worker process ------------------------------------------------------------------ */

/* A page shared by parent and worker: the worker's signal handler leaves there the name of
 * the plugin it was calling, the parent reads it after the crash or the timeout. */
typedef struct shared_note {
    volatile sig_atomic_t seq; /* bumped after each note */
    volatile sig_atomic_t sig;
    char who[64];
} shared_note;

struct rs_worker {
    pid_t pid;
    int sock;           /* the parent's end of the socket pair */
    shared_note *note;  /* mmap'ed MAP_SHARED */
    int reaped, wstatus;
};

static shared_note *child_note; /* the worker's view of its note (worker process only) */

static void on_signal(int sig)
{
    shared_note *sn = child_note;
    const rs_ctx *ctx = rs_ctx_current;
    const char *who = ctx && ctx->who ? ctx->who : "";
    size_t i = 0;
    for (; i + 1 < sizeof sn->who && who[i]; i++)
        sn->who[i] = who[i];
    sn->who[i] = '\0';
    sn->sig = sig;
    sn->seq = sn->seq + 1;
    if (sig != SIGUSR1)
        raise(sig); /* SA_RESETHAND restored the default action: die of the same signal */
}

static int send_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Close every descriptor but stdin/out/err and keep: other workers' sockets must not stay open
 * in this one (a socket's peer sees end-of-file only when every copy is closed). */
static void close_others(int keep)
{
    int fds[1024], n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (d) {
        int self = dirfd(d);
        struct dirent *e;
        while ((e = readdir(d)) && n < 1024) {
            int fd = atoi(e->d_name);
            if (fd > 2 && fd != keep && fd != self)
                fds[n++] = fd;
        }
        closedir(d);
        for (int i = 0; i < n; i++)
            close(fds[i]);
    } else {
        for (int fd = 3; fd < 1024; fd++)
            if (fd != keep)
                close(fd);
    }
}

static void worker_main(rs_run *run, int sock, shared_note *note, pid_t parent)
{
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the parent, even one killed hard */
#endif
    if (getppid() != parent)
        _exit(0);
    close_others(sock);
    child_note = note;
    /* Ctrl-C reaches the whole process group: the parent decides (it kills the worker). */
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    /* The crash handler runs on its own stack, so a stack overflow is reported too. */
    stack_t ss = { .ss_sp = malloc(1 << 16), .ss_size = 1 << 16 };
    if (ss.ss_sp)
        sigaltstack(&ss, NULL);
    struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_ONSTACK | SA_RESETHAND };
    sigemptyset(&sa.sa_mask);
    const int fatal[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS };
    for (size_t i = 0; i < sizeof fatal / sizeof *fatal; i++)
        sigaction(fatal[i], &sa, NULL);
    sa.sa_flags = SA_ONSTACK | SA_RESTART; /* SIGUSR1: "where are you?" on a timeout */
    sigaction(SIGUSR1, &sa, NULL);
    for (;;) {
        uint64_t j;
        size_t got = 0;
        while (got < sizeof j) {
            ssize_t r = recv(sock, (char *)&j + got, sizeof j - got, 0);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                _exit(0); /* the parent closed the socket: no more jobs */
            got += (size_t)r;
        }
        rs_job_result res = { 0 };
        rs_run_job(run, (size_t)j, &res);
        /* the trained network travels after the points, as a length and its text */
        uint64_t net_len = res.net_json ? strlen(res.net_json) : 0;
        int bad = send_all(sock, &res, sizeof res)
               || send_all(sock, res.points, (size_t)res.n_points * sizeof *res.points)
               || send_all(sock, &net_len, sizeof net_len)
               || (net_len && send_all(sock, res.net_json, (size_t)net_len));
        free(res.points);
        free(res.net_json);
        if (bad)
            _exit(0);
    }
}

static pthread_mutex_t spawn_lock = PTHREAD_MUTEX_INITIALIZER;

static void worker_destroy(rs_worker *w)
{
    if (!w)
        return;
    if (w->sock >= 0)
        close(w->sock);
    if (w->pid > 0 && !w->reaped) {
        while (waitpid(w->pid, &w->wstatus, 0) < 0 && errno == EINTR)
            ;
        w->reaped = 1;
    }
    if (w->note)
        munmap(w->note, sizeof *w->note);
    free(w);
}

static rs_worker *spawn(rs_run *run, char *err, size_t err_size)
{
    rs_worker *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    w->sock = -1;
    w->note = mmap(NULL, sizeof *w->note, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                   -1, 0);
    if (w->note == MAP_FAILED) {
        w->note = NULL;
        snprintf(err, err_size, "mmap: %s", strerror(errno));
        free(w);
        return NULL;
    }
    int sv[2];
    /* One spawn at a time: no other thread forks while the worker's end is open here, so no
     * sibling inherits it. */
    pthread_mutex_lock(&spawn_lock);
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        snprintf(err, err_size, "socketpair: %s", strerror(errno));
        pthread_mutex_unlock(&spawn_lock);
        worker_destroy(w);
        return NULL;
    }
    pid_t parent = getpid();
    w->pid = fork();
    if (w->pid == 0) {
        close(sv[0]);
        worker_main(run, sv[1], w->note, parent);
        _exit(0);
    }
    int fork_errno = errno;
    close(sv[1]);
    pthread_mutex_unlock(&spawn_lock);
    w->sock = sv[0];
    if (w->pid < 0) {
        snprintf(err, err_size, "fork: %s", strerror(fork_errno));
        w->pid = 0;
        worker_destroy(w);
        return NULL;
    }
    return w;
}

/* ---- one job through a worker -------------------------------------------------------------- */

enum { GOT = 0, DEAD = 1, TIMED_OUT = 2, STOPPED = 3 };

/* Read n bytes from the worker, waking every 100 ms to check the deadline (0 = none), the
 * run's interrupt flag and whether the worker still lives. */
static int recv_all(rs_worker *w, const rs_run *run, void *buf, size_t n, double deadline)
{
    char *p = buf;
    while (n > 0) {
        struct pollfd pfd = { .fd = w->sock, .events = POLLIN };
        int k = poll(&pfd, 1, 100);
        if (k > 0) {
            ssize_t r = recv(w->sock, p, n, 0);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                return DEAD;
            p += r;
            n -= (size_t)r;
            continue;
        }
        if (k < 0 && errno != EINTR)
            return DEAD;
        if (*run->interrupted)
            return STOPPED;
        if (deadline > 0 && rs_now_s() > deadline)
            return TIMED_OUT;
        if (!w->reaped && waitpid(w->pid, &w->wstatus, WNOHANG) == w->pid)
            w->reaped = 1;
        if (w->reaped) {
            /* dead: what it sent before dying is still in the socket, read that first */
            pfd.revents = 0;
            if (poll(&pfd, 1, 0) <= 0 || !(pfd.revents & POLLIN))
                return DEAD;
        }
    }
    return GOT;
}

static const char *signal_text(int sig, char *buf, size_t size)
{
    static const struct { int sig; const char *text; } names[] = {
        { SIGSEGV, "SIGSEGV (segmentation fault)" }, { SIGABRT, "SIGABRT (abort)" },
        { SIGBUS, "SIGBUS (bus error)" }, { SIGFPE, "SIGFPE (arithmetic exception)" },
        { SIGILL, "SIGILL (illegal instruction)" }, { SIGTRAP, "SIGTRAP (trap)" },
        { SIGSYS, "SIGSYS (bad system call)" },
        { SIGKILL, "SIGKILL (killed from outside; out of memory?)" },
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (names[i].sig == sig)
            return names[i].text;
    snprintf(buf, size, "signal %d", sig);
    return buf;
}

/* The plugin the worker was in, into buf: its note, else the job's rule. */
static void culprit(const rs_worker *w, sig_atomic_t seq0, const rs_run *run, size_t j,
                    char *buf, size_t size)
{
    if (w->note->seq != seq0 && w->note->who[0]) {
        snprintf(buf, size, "%.63s", w->note->who);
        return;
    }
    size_t r, t, k, rep;
    rs_job_coords(run, j, &r, &t, &k, &rep);
    snprintf(buf, size, "%s", run->spec->rules[r].head->name);
}

static void mark_dead(rs_worker *w, sig_atomic_t seq0, const rs_run *run, size_t j,
                      rs_job_result *res)
{
    if (!w->reaped) {
        while (waitpid(w->pid, &w->wstatus, 0) < 0 && errno == EINTR)
            ;
        w->reaped = 1;
    }
    size_t r, t, k, rep;
    rs_job_coords(run, j, &r, &t, &k, &rep);
    char who[64], how[160], sb[32];
    culprit(w, seq0, run, j, who, sizeof who);
    if (WIFSIGNALED(w->wstatus))
        snprintf(how, sizeof how, "crashed with %s",
                 signal_text(WTERMSIG(w->wstatus), sb, sizeof sb));
    else if (WIFEXITED(w->wstatus))
        snprintf(how, sizeof how, "ended its worker process with exit status %d (a plugin "
                 "must not call exit; a sanitizer report is above?)", WEXITSTATUS(w->wstatus));
    else
        snprintf(how, sizeof how, "lost its worker process");
    res->status = RS_JOB_CRASHED;
    snprintf(res->message, sizeof res->message, "plugin '%s' %s in replicate %zu; the job is "
             "marked crashed and the other jobs go on", who, how, rep);
}

static void mark_timeout(rs_worker *w, sig_atomic_t seq0, const rs_run *run, size_t j,
                         rs_job_result *res)
{
    /* ask which plugin it is in (the note), give it 200 ms to answer, then kill it */
    kill(w->pid, SIGUSR1);
    for (int i = 0; i < 200 && w->note->seq == seq0; i++)
        nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
    kill(w->pid, SIGKILL);
    while (waitpid(w->pid, &w->wstatus, 0) < 0 && errno == EINTR)
        ;
    w->reaped = 1;
    size_t r, t, k, rep;
    rs_job_coords(run, j, &r, &t, &k, &rep);
    char who[64];
    culprit(w, seq0, run, j, who, sizeof who);
    res->status = RS_JOB_TIMEOUT;
    snprintf(res->message, sizeof res->message, "plugin '%s' was still running after the %g s "
             "--job-timeout in replicate %zu; killed, the job is marked timed out and the other "
             "jobs go on", who, run->job_timeout, rep);
}

void rs_isolate_job(rs_worker **wp, rs_run *run, size_t j, rs_job_result *res)
{
    memset(res, 0, sizeof *res);
    res->steps_to_solve = -1;
    res->final_loss = res->final_acc = NAN;
    char err[256];
    uint64_t jj = j;
    sig_atomic_t seq0 = 0;
    /* A worker that died between jobs shows up as a failed send: start another, once. */
    for (int attempt = 0;; attempt++) {
        if (!*wp && !(*wp = spawn(run, err, sizeof err))) {
            res->status = RS_JOB_FAILED;
            snprintf(res->message, sizeof res->message, "cannot start a worker process to run "
                     "the job in (%s); try --no-isolate", err);
            return;
        }
        seq0 = (*wp)->note->seq; /* before the job starts: a quick crash must count */
        if (send_all((*wp)->sock, &jj, sizeof jj) == 0)
            break;
        worker_destroy(*wp);
        *wp = NULL;
        if (attempt == 1) {
            res->status = RS_JOB_FAILED;
            snprintf(res->message, sizeof res->message, "worker processes die before taking "
                     "a job");
            return;
        }
    }
    rs_worker *w = *wp;
    double deadline = run->job_timeout > 0 ? rs_now_s() + run->job_timeout : 0;
    rs_job_result got;
    int rc = recv_all(w, run, &got, sizeof got, deadline);
    if (rc == GOT) {
        if (got.n_points > (1u << 24) || got.n_metrics > RS_MAX_METRICS) {
            res->status = RS_JOB_FAILED;
            snprintf(res->message, sizeof res->message, "garbled result from the worker");
            goto replace;
        }
        rs_point *pts = calloc(got.n_points ? got.n_points : 1, sizeof *pts);
        if (!pts) {
            res->status = RS_JOB_FAILED;
            snprintf(res->message, sizeof res->message, "out of memory");
            goto replace;
        }
        got.net_json = NULL; /* a pointer of the worker's, meaningless here */
        rc = recv_all(w, run, pts, (size_t)got.n_points * sizeof *pts, deadline);
        uint64_t net_len = 0;
        if (rc == GOT)
            rc = recv_all(w, run, &net_len, sizeof net_len, deadline);
        if (rc == GOT && net_len > 0) {
            if (net_len > ((uint64_t)1 << 30) || !(got.net_json = malloc((size_t)net_len + 1))) {
                free(pts);
                res->status = RS_JOB_FAILED;
                snprintf(res->message, sizeof res->message, "garbled result from the worker");
                goto replace;
            }
            rc = recv_all(w, run, got.net_json, (size_t)net_len, deadline);
            got.net_json[net_len] = '\0';
        }
        if (rc == GOT) {
            *res = got;
            res->points = pts;
            if (res->status == RS_JOB_PENDING) { /* cannot happen: the worker ignores SIGINT */
                free(pts);
                res->points = NULL;
                res->n_points = 0;
            }
            return;
        }
        free(pts);
        free(got.net_json);
    }
    if (rc == DEAD)
        mark_dead(w, seq0, run, j, res);
    else if (rc == TIMED_OUT)
        mark_timeout(w, seq0, run, j, res);
    else { /* interrupted: the job stays pending, --resume runs it */
        kill(w->pid, SIGKILL);
        res->status = RS_JOB_PENDING;
    }
replace:
    worker_destroy(w);
    *wp = NULL;
}

void rs_worker_close(rs_worker *w)
{
    worker_destroy(w); /* closing the socket ends the worker's loop */
}
