/* interrupt.h: Ctrl-C (SIGINT) and SIGTERM as a request to stop cleanly: the first sets the
 * flag, so a run finishes or journals what it has; a second Ctrl-C ends the process at once. */
#ifndef RS_INTERRUPT_H
#define RS_INTERRUPT_H

#include <signal.h>

/* Set by the handler; a run polls it. */
extern volatile sig_atomic_t rs_interrupted;

/* Clear the flag and install the handler for SIGINT and SIGTERM. */
void rs_interrupt_install(void);
/* Back to the default handlers (the flag keeps its value). */
void rs_interrupt_uninstall(void);

#endif
