#include "net_propose.h"

#include "net_clock.h"

#include <string.h>

void net_propose_init(net_propose *p, net_node *n, net_pool *pool)
{
    memset(p, 0, sizeof *p);
    p->n = n;
    p->pool = pool;
}

void net_propose_want(net_propose *p, uint64_t h, uint32_t r, uint64_t now)
{
    p->want = true;
    p->want_h = h;
    p->want_r = r;
    p->want_since = now;
}

void net_propose_heard(net_propose *p, const net_cons_msg *m, uint64_t now)
{
    if (m->validator >= NET_CONS_VALIDATORS_MAX)
        return;
    p->heard_ms[m->validator] = now;
    if (m->height < p->act_h)
        return;
    if (m->height > p->act_h) {
        p->act_h = m->height;
        p->act_mask = 0;
        p->act_proposal = false;
    }
    p->act_mask |= 1ULL << m->validator;
    p->act_proposal |= m->type == NET_CONS_PROPOSAL;
}

void net_propose_publish(const net_propose *p, const net_cons_status *st, uint32_t nval,
                         uint64_t now)
{
    atomic_store(&p->n->cons_round, st->round);
    uint32_t seen = 0;
    uint64_t mask = 0;
    for (uint32_t i = 0; i < nval && i < 64; i++) {
        bool h = (int32_t)i == st->self_index || (p->heard_ms[i] && now - p->heard_ms[i] < 1500);
        seen += h;
        mask |= (uint64_t)h << i;
    }
    atomic_store(&p->n->cons_seen, seen);
    atomic_store(&p->n->cons_heard_mask, mask);
    if (st->last_proposer >= 0)
        atomic_store(&p->n->cons_last_proposer, st->last_proposer);
}

bool net_propose_has_work(net_propose *p, uint64_t decided, uint32_t nval)
{
    net_node *n = p->n;
    if (net_pool_size(p->pool) > 0 || atomic_load(&n->force_block))
        return true;
    if (p->act_h > decided && (p->act_proposal || (uint32_t)__builtin_popcountll(p->act_mask) >=
                                                      net_cons_weak_quorum(nval)))
        return true;
    uint64_t now = net_clock_now_ms(&n->clock) + atomic_load(&n->time_offset_ms);
    if (net_clock_heartbeat_due(now, ldg_chain_tip(n->chain).time_ms))
        return true;
    ldg_state *st = ldg_chain_reader(n->chain);
    bool due = ldg_registry_work_due(n->reg, st, now);
    ldg_state_free(st);
    return due;
}

bool net_propose_ready(net_propose *p, uint64_t decided, uint32_t nval, uint64_t now)
{
    size_t pending = net_pool_size(p->pool);
    if (pending == 0 && !atomic_load(&p->n->force_block)) {
        if (now - p->idle_checked < NET_BFT_IDLE_CHECK_MS)
            return false;
        p->idle_checked = now;
        if (!net_propose_has_work(p, decided, nval))
            return false; /* nothing to propose: no empty block */
    } else if (pending < ldg_chain_block_limits(p->n->chain).max_txs &&
               now - p->want_since < LDG_BLOCK_INTERVAL_MS / 4) {
        return false; /* let a burst gather */
    }
    atomic_store(&p->n->force_block, false);
    return true;
}
