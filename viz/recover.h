/*
 * recover.h - wta-trace's one call into the runtime's trace recovery.
 * Only the wta-trace program links recover.c (it needs libwta).
 */
#ifndef WTA_VIZ_RECOVER_H
#define WTA_VIZ_RECOVER_H

/* If path's program died and left its spool, write the spool's events
 * into the trace, and say so on stderr. */
void wta_cli_recover(const char *path);

#endif
