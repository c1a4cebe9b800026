/* mpi_run.h: one run across MPI ranks (`mpirun -np N ruleset compare SPEC.json`).
 *
 * Every rank parses the same spec and plans the same job list; rank r runs the jobs
 * j % N == r (as `--shard r/N` would) on its own threads, journalling into a scratch folder;
 * then every rank sends its journal records to rank 0, which appends them to the run folder's
 * journal and reads them back as `--resume` does. Jobs draw only from streams derived from the
 * seed and their labels, so the folder holds the same numbers as a single-process run.
 *
 * Built without MPI (RULESET_MPI=OFF), or started without an MPI launcher, every function
 * here acts as rank 0 of 1 and does nothing. */
#ifndef RS_MPI_RUN_H
#define RS_MPI_RUN_H

#include "runner.h"

typedef struct rs_mpi {
    int active;     /* MPI was initialised: launched by mpirun/srun and built with MPI */
    int rank, size;
    int local_size; /* ranks on this machine: they share its cores */
} rs_mpi;

/* Join MPI when built with it and started by a launcher ($OMPI_COMM_WORLD_SIZE, $PMI_SIZE or
 * $PMIX_RANK set); otherwise rank 0 of 1. 0 ok; -1 after printing a line. */
int rs_mpi_start(rs_mpi *m);
void rs_mpi_stop(rs_mpi *m);
/* Collective: non-zero when every rank passes ok != 0. */
int rs_mpi_all(const rs_mpi *m, int ok);
/* A fresh scratch folder for a rank other than 0 to journal into (removed by gather). */
int rs_mpi_scratch_dir(const rs_mpi *m, char *buf, size_t size);
/* Collective: rank 0's finished jobs (a resumed run) are skipped by every rank. */
int rs_mpi_share_done(const rs_mpi *m, rs_run *run);
/* Collective, after every rank ran its slice: the other ranks send their journal records,
 * rank 0 appends them to run->dir/journal.tsv and takes their results. 0 ok; otherwise one
 * line in err (on rank 0: the first problem of any rank). */
int rs_mpi_gather(const rs_mpi *m, rs_run *run, char *err, size_t err_size);

#endif
