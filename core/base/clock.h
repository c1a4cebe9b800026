/* clock.h: the one monotonic clock, for speeds, progress and timeouts (never for numbers). */
#ifndef RS_CLOCK_H
#define RS_CLOCK_H

/* Seconds since an arbitrary fixed point (CLOCK_MONOTONIC). */
double rs_now_s(void);

#endif
