/* progress.h: the progress bar drawn on stderr (a terminal only: callers check isatty). */
#ifndef RS_PROGRESS_H
#define RS_PROGRESS_H

/* "\r[=====>    ] done/total UNIT  12.3s  ETA 4.5s ": the estimate extrapolates the pace of
 * the items done since `start` (those done before, e.g. resumed, took no time here). `extra`
 * (may be NULL) follows the count, e.g. " meta-loss 0.1234". */
void rs_progress_draw(long done, long total, long start, double elapsed, const char *unit,
                      const char *extra);

#endif
