#include "net_timers.h"

#include "net_propose.h"

#include <string.h>

void net_timers_clear(net_timers *ts)
{
    memset(ts, 0, sizeof *ts);
}

void net_timers_schedule(net_timers *ts, net_cons_timeout_kind kind, uint64_t height,
                         uint32_t round, uint64_t due_ms)
{
    /* A free slot, else the timer of the oldest (height, round). */
    net_timer *t = &ts->t[0];
    for (size_t j = 0; j < NET_BFT_TIMERS; j++) {
        net_timer *c = &ts->t[j];
        if (!c->used) {
            t = c;
            break;
        }
        if (c->height < t->height || (c->height == t->height && c->round < t->round))
            t = c;
    }
    *t =
        (net_timer){.used = true, .kind = kind, .height = height, .round = round, .due_ms = due_ms};
}

bool net_timers_next(net_timers *ts, size_t *i, uint64_t now, uint64_t propose_ms,
                     bool (*has_work)(void *ctx), void *ctx, net_cons_event *ev)
{
    for (; *i < NET_BFT_TIMERS; (*i)++) {
        net_timer *t = &ts->t[*i];
        if (!t->used || t->due_ms > now)
            continue;
        if (t->kind == NET_CONS_TIMEOUT_PROPOSE && (t->deferred || !has_work(ctx))) {
            /* Idle: look again shortly. Once there is work, the proposer gets a whole
             * timeout from then to propose it. */
            bool idle = !t->deferred || !has_work(ctx);
            t->deferred = idle;
            t->due_ms = now + (idle ? NET_BFT_IDLE_CHECK_MS : propose_ms);
            continue;
        }
        t->used = false;
        *ev = (net_cons_event){.kind = NET_CONS_EV_TIMEOUT,
                               .timeout_kind = t->kind,
                               .height = t->height,
                               .round = t->round};
        (*i)++;
        return true;
    }
    return false;
}
