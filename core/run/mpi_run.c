/* mpi_run.c: see mpi_run.h. */
#define _XOPEN_SOURCE 700 /* mkdtemp */
#include "mpi_run.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spec.h"

#ifdef RS_HAVE_MPI
#include <mpi.h>

enum { TAG_HEAD = 71, TAG_ERR = 72, TAG_DATA = 73 };
#define CHUNK ((size_t)1 << 30) /* MPI counts are int: send big journals in pieces */

int rs_mpi_start(rs_mpi *m)
{
    memset(m, 0, sizeof *m);
    m->size = m->local_size = 1;
    const char *vars[] = { "OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK" };
    int launched = 0;
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
        launched |= getenv(vars[i]) != NULL;
    if (!launched)
        return 0; /* a plain process: no MPI start-up cost, no launcher needed */
    int provided;
    /* Only the main thread calls MPI; the pool threads never do. */
    if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        fprintf(stderr, "ruleset: MPI_Init failed; run without mpirun, or check the MPI "
                        "installation\n");
        return -1;
    }
    m->active = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &m->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &m->size);
    MPI_Comm local;
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &local)
        == MPI_SUCCESS) {
        MPI_Comm_size(local, &m->local_size);
        MPI_Comm_free(&local);
    }
    return 0;
}

void rs_mpi_stop(rs_mpi *m)
{
    if (m->active)
        MPI_Finalize();
    m->active = 0;
}

int rs_mpi_all(const rs_mpi *m, int ok)
{
    if (!m->active)
        return ok;
    int mine = ok != 0, all = 0;
    MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
    return all;
}

int rs_mpi_share_done(const rs_mpi *m, rs_run *run)
{
    if (!m->active || m->size < 2)
        return 0;
    unsigned char *done = calloc(run->n_jobs ? run->n_jobs : 1, 1);
    if (!done)
        MPI_Abort(MPI_COMM_WORLD, 3);
    if (m->rank == 0)
        for (size_t j = 0; j < run->n_jobs; j++)
            done[j] = run->results[j].status != RS_JOB_PENDING;
    for (size_t off = 0; off < run->n_jobs; off += CHUNK) {
        size_t n = run->n_jobs - off < CHUNK ? run->n_jobs - off : CHUNK;
        MPI_Bcast(done + off, (int)n, MPI_UNSIGNED_CHAR, 0, MPI_COMM_WORLD);
    }
    /* elsewhere a placeholder status is enough: only rank 0 reports */
    if (m->rank != 0)
        for (size_t j = 0; j < run->n_jobs; j++)
            if (done[j])
                run->results[j].status = RS_JOB_OK;
    free(done);
    return 0;
}

/* Send one file of this rank's scratch folder to rank 0 and remove it. An absent optional
 * file goes as empty text; an absent required one goes as an error message. */
static void send_file(const rs_run *run, const char *name, int required)
{
    char path[4200], err[512] = "";
    snprintf(path, sizeof path, "%s/%s", run->dir, name);
    char *text = rs_read_file(path, err, sizeof err);
    if (!text && !required)
        text = calloc(1, 1);
    if (!text && run->io_error[0])
        snprintf(err, sizeof err, "%s", run->io_error);
    uint64_t head[2] = { text ? strlen(text) : 0, text ? 0 : strlen(err) + 1 };
    MPI_Send(head, 2, MPI_UINT64_T, 0, TAG_HEAD, MPI_COMM_WORLD);
    if (!text)
        MPI_Send(err, (int)head[1], MPI_CHAR, 0, TAG_ERR, MPI_COMM_WORLD);
    for (size_t off = 0; text && off < head[0]; off += CHUNK) {
        size_t n = head[0] - off < CHUNK ? head[0] - off : CHUNK;
        MPI_Send(text + off, (int)n, MPI_CHAR, 0, TAG_DATA, MPI_COMM_WORLD);
    }
    free(text);
    unlink(path);
}

/* Rank 0: append what rank r sends (see send_file) to the run folder's file `name`. */
static void recv_file(const rs_run *run, int r, const char *name, char *err, size_t err_size)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", run->dir, name);
    uint64_t head[2];
    MPI_Recv(head, 2, MPI_UINT64_T, r, TAG_HEAD, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (head[1]) {
        char msg[1024] = "";
        MPI_Recv(msg, (int)(head[1] < sizeof msg ? head[1] : sizeof msg), MPI_CHAR, r, TAG_ERR,
                 MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        msg[sizeof msg - 1] = '\0';
        if (!err[0])
            snprintf(err, err_size, "rank %d: %s", r, msg);
        return;
    }
    FILE *f = head[0] ? fopen(path, "a") : NULL;
    if (head[0] && !f && !err[0])
        snprintf(err, err_size, "%s: cannot append the other ranks' jobs (%s)", path,
                 strerror(errno));
    char *buf = malloc(head[0] < CHUNK ? head[0] + 1 : CHUNK);
    if (!buf)
        MPI_Abort(MPI_COMM_WORLD, 3);
    for (uint64_t off = 0; off < head[0]; off += CHUNK) {
        size_t n = head[0] - off < CHUNK ? (size_t)(head[0] - off) : CHUNK;
        MPI_Recv(buf, (int)n, MPI_CHAR, r, TAG_DATA, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (f && fwrite(buf, 1, n, f) != n && !err[0])
            snprintf(err, err_size, "%s: cannot write (%s)", path, strerror(errno));
    }
    free(buf);
    if (f && fclose(f) != 0 && !err[0])
        snprintf(err, err_size, "%s: cannot write (%s)", path, strerror(errno));
}

int rs_mpi_gather(const rs_mpi *m, rs_run *run, char *err, size_t err_size)
{
    err[0] = '\0';
    if (!m->active || m->size < 2)
        return 0;
    if (m->rank != 0) { /* the journal, then the trained networks; the scratch folder goes */
        send_file(run, "journal.tsv", 1);
        send_file(run, "nets.jsonl", 0);
        rmdir(run->dir);
        return 0;
    }
    for (int r = 1; r < m->size; r++) {
        recv_file(run, r, "journal.tsv", err, err_size);
        recv_file(run, r, "nets.jsonl", err, err_size);
    }
    rs_run_resume(run); /* takes every complete record of a job rank 0 did not run itself */
    return err[0] ? -1 : 0;
}

#else /* built without MPI: one process */

int rs_mpi_start(rs_mpi *m)
{
    memset(m, 0, sizeof *m);
    m->size = m->local_size = 1;
    return 0;
}
void rs_mpi_stop(rs_mpi *m) { m->active = 0; }
int rs_mpi_all(const rs_mpi *m, int ok)
{
    (void)m;
    return ok;
}
int rs_mpi_share_done(const rs_mpi *m, rs_run *run)
{
    (void)m;
    (void)run;
    return 0;
}
int rs_mpi_gather(const rs_mpi *m, rs_run *run, char *err, size_t err_size)
{
    (void)m;
    (void)run;
    if (err_size)
        err[0] = '\0';
    return 0;
}
#endif

int rs_mpi_scratch_dir(const rs_mpi *m, char *buf, size_t size)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(buf, size, "%s/ruleset-rank%d-XXXXXX", tmp && *tmp ? tmp : "/tmp", m->rank);
    return mkdtemp(buf) ? 0 : -1;
}
