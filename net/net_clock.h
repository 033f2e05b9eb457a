/* The node's clock for chain time, and when an idle chain makes a block (consensus.md
 * §16). One rule for every driver (one validator or many):
 *
 * - The node's clock C follows the wall clock W, except that it never runs ahead of its
 *   last reading by more than the monotonic time elapsed since, plus 1/LDG_CLOCK_GAIN_DIV
 *   of it: C' = min(W, C + dM + dM / LDG_CLOCK_GAIN_DIV). A forward step of the wall clock
 *   (a bad NTP server, an operator's typo) moves C, and so chain time, by at most 1 % of
 *   the time the step lasts; once the wall clock is corrected C is back on it at once (a
 *   step back is followed at once). A legitimate forward correction is caught up at 1 %.
 * - A proposer's block time is max(C + dev offset, parent time + 1).
 * - A validator refuses a proposal whose time is more than LDG_CLOCK_AHEAD_MAX_MS ahead of
 *   its own C + dev offset.
 * - Admission measures the expiry window against max(C + dev offset, tip time): the time
 *   the next block would have, so what admission accepts, execution accepts.
 * - An idle chain (nothing pending, no module work due) makes no block, except one empty
 *   block when the tip is LDG_BLOCK_HEARTBEAT_MS old (a heartbeat).
 *
 * The monotonic clock is CLOCK_BOOTTIME (it counts a suspended machine's sleep, which the
 * wall clock also does). Test hook: with FOLIO_TEST_CLOCK_FILE=PATH in the environment, the
 * wall clock C reads is the system's plus the signed number of milliseconds written in
 * PATH (re-read at most every NET_CLOCK_TEST_REREAD_MS; a missing or unreadable file is
 * 0), so a test can step a running node's clock and step it back. */
#ifndef NET_CLOCK_H
#define NET_CLOCK_H

#include "ldg_limits.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* A step of the wall clock away from C larger than this is logged (once, and once again
 * when the two agree again). */
#define NET_CLOCK_STEP_REPORT_MS 1000
/* The test hook's file is read again at most this often. */
#define NET_CLOCK_TEST_REREAD_MS 50

/* The rule's state: the last reading of C and the monotonic time it was taken at. */
typedef struct net_clock_state {
    bool set;
    uint64_t c_ns; /* C, ns since the Unix epoch */
    uint64_t m_ns; /* monotonic clock at that reading */
    bool apart;    /* W and C differ by more than NET_CLOCK_STEP_REPORT_MS (reported) */
} net_clock_state;

/* What a reading tells the caller to report. */
typedef enum net_clock_report {
    NET_CLOCK_QUIET = 0,
    NET_CLOCK_STEPPED = 1, /* W and C now differ by more than NET_CLOCK_STEP_REPORT_MS */
    NET_CLOCK_AGREE = 2,   /* they agree again */
} net_clock_report;

/* The rule: the next reading of C, in ns, given the wall and monotonic clocks in ns. The
 * first reading is W. Pure. */
uint64_t net_clock_advance(net_clock_state *s, uint64_t wall_ns, uint64_t mono_ns,
                           net_clock_report *report);

/* A node's clock: the rule over the system clocks (and the test hook), thread-safe. */
typedef struct net_clock {
    pthread_mutex_t lock;
    net_clock_state st;
    char test_path[NET_PATH_MAX]; /* FOLIO_TEST_CLOCK_FILE, "" when not set */
    int64_t test_offset_ms;
    uint64_t test_read_ns; /* monotonic time of the last read of test_path */
} net_clock;

void net_clock_init(net_clock *c);
void net_clock_destroy(net_clock *c);
/* C in ms since the Unix epoch. Logs a step (stderr) when one is seen. */
uint64_t net_clock_now_ms(net_clock *c);

/* Condition variables whose timed waits run on the monotonic clock: a step of the wall
 * clock neither stretches nor cuts a wait (with CLOCK_REALTIME a 2 h step back would hold
 * an idle node's loop for 2 h, and with no block to wake it nothing else would). */
void net_clock_cond_init(pthread_cond_t *cv);
/* The absolute deadline wait_ms from now, for a condition variable of net_clock_cond_init. */
struct timespec net_clock_cond_deadline(uint64_t wait_ms);

/* The proposer's block time: max(now_ms, parent_ms + 1). */
uint64_t net_clock_block_time(uint64_t now_ms, uint64_t parent_ms);
/* A proposal's time is acceptable to a validator whose clock (with dev offset) reads
 * now_ms: at most LDG_CLOCK_AHEAD_MAX_MS ahead of it. */
bool net_clock_time_ok(uint64_t block_ms, uint64_t now_ms);
/* An idle chain makes a heartbeat block: the tip is LDG_BLOCK_HEARTBEAT_MS old. */
bool net_clock_heartbeat_due(uint64_t now_ms, uint64_t tip_ms);

#endif
