/* The node's clock for chain time (net_clock.h). */
#include "net_clock.h"
#include "net_log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NS_PER_MS 1000000ULL

uint64_t net_clock_advance(net_clock_state *s, uint64_t wall_ns, uint64_t mono_ns,
                           net_clock_report *report)
{
    uint64_t c = wall_ns;
    if (s->set) {
        /* A monotonic clock does not go back; if it seemed to, no time passed. */
        uint64_t dm = mono_ns > s->m_ns ? mono_ns - s->m_ns : 0;
        uint64_t limit = s->c_ns + dm + dm / LDG_CLOCK_GAIN_DIV;
        if (limit < c)
            c = limit;
    }
    uint64_t gap = wall_ns > c ? wall_ns - c : c - wall_ns;
    bool apart = gap > NET_CLOCK_STEP_REPORT_MS * NS_PER_MS;
    *report = apart == s->apart ? NET_CLOCK_QUIET : apart ? NET_CLOCK_STEPPED : NET_CLOCK_AGREE;
    *s = (net_clock_state){.set = true, .c_ns = c, .m_ns = mono_ns, .apart = apart};
    return c;
}

void net_clock_cond_init(pthread_cond_t *cv)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(cv, &a);
    pthread_condattr_destroy(&a);
}

struct timespec net_clock_cond_deadline(uint64_t wait_ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t ns = (uint64_t)ts.tv_nsec + wait_ms % 1000 * NS_PER_MS;
    ts.tv_sec += (time_t)(wait_ms / 1000 + ns / 1000000000ULL);
    ts.tv_nsec = (long)(ns % 1000000000ULL);
    return ts;
}

uint64_t net_clock_block_time(uint64_t now_ms, uint64_t parent_ms)
{
    return now_ms > parent_ms ? now_ms : parent_ms + 1;
}

bool net_clock_time_ok(uint64_t block_ms, uint64_t now_ms)
{
    return block_ms <= now_ms + LDG_CLOCK_AHEAD_MAX_MS;
}

bool net_clock_heartbeat_due(uint64_t now_ms, uint64_t tip_ms)
{
    return now_ms >= tip_ms + LDG_BLOCK_HEARTBEAT_MS;
}

void net_clock_init(net_clock *c)
{
    memset(c, 0, sizeof *c);
    pthread_mutex_init(&c->lock, NULL);
    const char *p = getenv("FOLIO_TEST_CLOCK_FILE");
    if (p && *p) {
        snprintf(c->test_path, sizeof c->test_path, "%s", p);
        net_log(NET_LOG_WARN,
                "TEST HOOK: the wall clock is shifted by the milliseconds in %s "
                "(FOLIO_TEST_CLOCK_FILE)",
                c->test_path);
    }
}

void net_clock_destroy(net_clock *c)
{
    pthread_mutex_destroy(&c->lock);
}

static uint64_t read_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The test hook's offset: the signed integer in test_path (0 if absent or unreadable). */
static int64_t test_offset_ms(net_clock *c, uint64_t mono_ns)
{
    if (!c->test_path[0])
        return 0;
    if (c->test_read_ns && mono_ns - c->test_read_ns < NET_CLOCK_TEST_REREAD_MS * NS_PER_MS)
        return c->test_offset_ms;
    c->test_read_ns = mono_ns;
    c->test_offset_ms = 0;
    FILE *f = fopen(c->test_path, "r");
    if (f) {
        char buf[32] = "";
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = 0;
        char *end;
        errno = 0;
        long long v = strtoll(buf, &end, 10);
        /* Within ten years either way: the sum with the wall clock cannot wrap. */
        const long long lim = 10LL * 366 * 86400 * 1000;
        if (errno == 0 && end != buf)
            c->test_offset_ms = v > lim ? lim : v < -lim ? -lim : v;
    }
    return c->test_offset_ms;
}

uint64_t net_clock_now_ms(net_clock *c)
{
    pthread_mutex_lock(&c->lock);
    uint64_t mono = read_ns(CLOCK_BOOTTIME);
    int64_t off = test_offset_ms(c, mono);
    uint64_t wall = read_ns(CLOCK_REALTIME) + (uint64_t)(off * (int64_t)NS_PER_MS);
    net_clock_report rep;
    uint64_t now = net_clock_advance(&c->st, wall, mono, &rep);
    pthread_mutex_unlock(&c->lock);
    if (rep == NET_CLOCK_STEPPED)
        net_log(NET_LOG_WARN,
                "the wall clock stepped: it is %+" PRId64 " ms from the node's clock; "
                "chain time follows it at most %d%% faster than the monotonic clock "
                "(consensus.md §16; restart the node to take the wall clock as it is)\n",
                (int64_t)(wall - now) / (int64_t)NS_PER_MS, 100 / LDG_CLOCK_GAIN_DIV);
    else if (rep == NET_CLOCK_AGREE)
        net_log(NET_LOG_INFO, "the wall clock agrees with the node's clock again");
    return now / NS_PER_MS;
}
