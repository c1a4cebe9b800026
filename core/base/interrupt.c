/* interrupt.c: see interrupt.h. */
#include "interrupt.h"

volatile sig_atomic_t rs_interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    rs_interrupted = 1;
    signal(SIGINT, SIG_DFL); /* a second Ctrl-C ends the process at once */
}

void rs_interrupt_install(void)
{
    rs_interrupted = 0;
    signal(SIGINT, on_sigint);
    signal(SIGTERM, on_sigint);
}

void rs_interrupt_uninstall(void)
{
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
}
