/* Admission (net_admit.h): the checks in their order, the registered-sender cache. */
#include "net_admit.h"
#include "net_metrics.h"
#include "net_mix.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Registered senders seen on admission, with their keys already lifted to curve points.
 * Participants are never removed, so an entry cannot go stale. Open addressing by a keyed
 * mix of the key (net_mix.h: a sender cannot grind keys into one probe chain). */
typedef struct senders {
    pthread_rwlock_t lock;
    ldg_pubkey *slots; /* all-zero = empty */
    ldg_pubkey_point *points;
    size_t count;
} senders;

struct net_admit {
    ldg_chain *chain;
    const ldg_registry *reg;
    ldg_hash genesis; /* what this chain's transactions sign (with their id) */
    net_clock *clock;
    const _Atomic uint64_t *time_offset_ms;
    net_admit_pool_fn pool_fn;
    void *pool_ctx;
    senders snd;
    _Atomic uint64_t sig_checks, refused;
    net_metrics *metrics;
};

static size_t sender_slot(const senders *s, const ldg_pubkey *pk, bool *found)
{
    static const ldg_pubkey zero;
    size_t i = net_mix32(pk->b) & (NET_SENDER_CACHE_SLOTS - 1);
    while (memcmp(s->slots[i].b, zero.b, LDG_PUBKEY_LEN) != 0) {
        if (memcmp(s->slots[i].b, pk->b, LDG_PUBKEY_LEN) == 0) {
            *found = true;
            return i;
        }
        i = (i + 1) & (NET_SENDER_CACHE_SLOTS - 1);
    }
    *found = false;
    return i;
}

static bool sender_lookup(senders *s, const ldg_pubkey *pk, ldg_pubkey_point *pt)
{
    bool found;
    pthread_rwlock_rdlock(&s->lock);
    size_t i = sender_slot(s, pk, &found);
    if (found)
        *pt = s->points[i];
    pthread_rwlock_unlock(&s->lock);
    return found;
}

static void sender_add(senders *s, const ldg_pubkey *pk, const ldg_pubkey_point *pt)
{
    bool found;
    pthread_rwlock_wrlock(&s->lock);
    /* Stay at most half full so probes stay short; past it senders are read each time. */
    if (s->count < NET_SENDER_CACHE_SLOTS / 2) {
        size_t i = sender_slot(s, pk, &found);
        if (!found) {
            s->slots[i] = *pk;
            s->points[i] = *pt;
            s->count++;
        }
    }
    pthread_rwlock_unlock(&s->lock);
}

net_admit *net_admit_new(ldg_chain *chain, const ldg_registry *reg, net_clock *clock,
                         const _Atomic uint64_t *time_offset_ms)
{
    net_admit *a = calloc(1, sizeof *a);
    LDG_ASSERT(a);
    a->chain = chain;
    a->reg = reg;
    a->genesis = *ldg_chain_genesis_hash(chain);
    a->clock = clock;
    a->time_offset_ms = time_offset_ms;
    pthread_rwlock_init(&a->snd.lock, NULL);
    a->snd.slots = calloc(NET_SENDER_CACHE_SLOTS, sizeof *a->snd.slots);
    a->snd.points = calloc(NET_SENDER_CACHE_SLOTS, sizeof *a->snd.points);
    LDG_ASSERT(a->snd.slots && a->snd.points);
    return a;
}

void net_admit_free(net_admit *a)
{
    if (!a)
        return;
    free(a->snd.slots);
    free(a->snd.points);
    pthread_rwlock_destroy(&a->snd.lock);
    free(a);
}

void net_admit_set_metrics(net_admit *a, net_metrics *m)
{
    a->metrics = m;
}

void net_admit_set_pool(net_admit *a, net_admit_pool_fn fn, void *ctx)
{
    a->pool_fn = fn;
    a->pool_ctx = ctx;
}

uint64_t net_admit_now(net_admit *a)
{
    uint64_t now;
    if (a->clock) {
        now = net_clock_now_ms(a->clock);
    } else {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
    }
    if (a->time_offset_ms)
        now += atomic_load(a->time_offset_ms);
    uint64_t tip = ldg_chain_tip(a->chain).time_ms;
    return now > tip ? now : tip;
}

/* Chain, expiry window, type: what the bytes alone say. *late: expired, within the peer's
 * skew (not a refusal for a peer). */
static ldg_result envelope(net_admit *a, const ldg_tx *tx, uint64_t now, net_admit_from from,
                           bool *late)
{
    *late = false;
    if (strcmp(tx->chain_id, ldg_chain_id(a->chain)) != 0)
        return LDG_R_WRONG_CHAIN;
    uint64_t skew = from == NET_ADMIT_PEER ? NET_ADMIT_PEER_SKEW_MS : 0;
    if (tx->expiry_ms < now) {
        if (from == NET_ADMIT_CLIENT)
            return LDG_R_EXPIRED;
        *late = true; /* expired on the way, or long ago: verified, never pooled */
    } else if (tx->expiry_ms - now > LDG_TX_TTL_MS_MAX + skew) {
        return LDG_R_EXPIRY_TOO_FAR;
    }
    if (!ldg_registry_find(a->reg, tx->type))
        return LDG_R_UNKNOWN_TYPE;
    return LDG_R_OK;
}

/* Registered sender: from the cache, or the committed state (then cached, lifted). */
static ldg_result sender_known(net_admit *a, ldg_state *reader, const ldg_tx *tx,
                               ldg_pubkey_point *pt, bool *lifted)
{
    *lifted = sender_lookup(&a->snd, &tx->sender, pt);
    if (*lifted)
        return LDG_R_OK;
    ldg_account acc;
    ldg_participant p;
    bool found = false;
    ldg_account_of(&acc, &tx->sender);
    /* A store read error counts as not found (specs/transactions.md §2). */
    if (ldg_participant_get(reader, &acc, &p, &found) != LDG_OK || !found)
        return LDG_R_UNKNOWN_SENDER;
    if (ldg_pubkey_lift(pt, &tx->sender)) {
        sender_add(&a->snd, &tx->sender, pt);
        *lifted = true;
    }
    return LDG_R_OK;
}

static ldg_result admit_decoded(net_admit *a, ldg_state *reader, const ldg_tx *tx,
                                const uint8_t *wire, size_t len, net_admit_from from,
                                net_admitted *out)
{
    bool late;
    ldg_result r = envelope(a, tx, net_admit_now(a), from, &late);
    if (r != LDG_R_OK)
        return r;
    ldg_pubkey_point pt;
    bool lifted;
    r = sender_known(a, reader, tx, &pt, &lifted);
    if (r != LDG_R_OK)
        return r;
    uint64_t h;
    uint32_t idx;
    bool committed = ldg_chain_find_tx(a->chain, &tx->id, &h, &idx) == LDG_OK;
    net_pool_match m = a->pool_fn ? a->pool_fn(a->pool_ctx, &tx->id, wire, len) : NET_POOL_ABSENT;
    if (from == NET_ADMIT_CLIENT && (committed || m != NET_POOL_ABSENT))
        return LDG_R_REPLAY;
    /* A peer's copy of pooled bytes is vouched for by the pooled entry; any other copy is
     * verified, so that a batch's every signature is good (its digest commits to them). */
    if (m != NET_POOL_SAME) {
        atomic_fetch_add(&a->sig_checks, 1);
        bool ok;
        if (lifted) {
            ldg_hash msg;
            ldg_tx_sign_msg(&msg, &a->genesis, &tx->id);
            ok = ldg_verify_point(&tx->sig, &msg, &pt);
        } else {
            ok = ldg_tx_verify(tx, &a->genesis);
        }
        if (!ok)
            return LDG_R_BAD_SIGNATURE;
        out->verified = true;
    }
    out->fresh = !committed && m == NET_POOL_ABSENT && !late;
    return LDG_R_OK;
}

static ldg_result admit_one(net_admit *a, ldg_state *reader, const uint8_t *wire, size_t len,
                            net_admit_from from, net_admitted *out)
{
    memset(out, 0, sizeof *out);
    ldg_tx tx;
    ldg_result r = ldg_tx_decode(&tx, wire, len);
    if (r != LDG_R_OK)
        return r;
    out->ref = ldg_tx_ref_of(&tx);
    out->expiry_ms = tx.expiry_ms;
    r = admit_decoded(a, reader, &tx, wire, len, from, out);
    ldg_tx_free(&tx);
    return r;
}

ldg_result net_admit_tx(net_admit *a, ldg_state *reader, const uint8_t *wire, size_t len,
                        net_admit_from from, net_admitted *out)
{
    ldg_state *own = reader ? NULL : ldg_chain_reader(a->chain);
    ldg_result r = admit_one(a, reader ? reader : own, wire, len, from, out);
    if (own)
        ldg_state_free(own);
    if (r != LDG_R_OK) {
        atomic_fetch_add(&a->refused, 1);
        net_metrics_refusal(a->metrics, r);
    }
    return r;
}

ldg_result net_admit_probe(net_admit *a, ldg_state *reader, const uint8_t *wire, size_t len,
                           net_admitted *out)
{
    return admit_one(a, reader, wire, len, NET_ADMIT_CLIENT, out);
}

ldg_result net_admit_batch(net_admit *a, const uint8_t *const *txs, const size_t *lens, uint32_t n,
                           net_admitted *out, uint32_t *bad)
{
    *bad = 0;
    if (n == 0)
        return LDG_R_MALFORMED;
    ldg_state *reader = ldg_chain_reader(a->chain);
    ldg_result r = LDG_R_OK;
    for (uint32_t i = 0; i < n && r == LDG_R_OK; i++) {
        r = admit_one(a, reader, txs[i], lens[i], NET_ADMIT_PEER, &out[i]);
        if (r != LDG_R_OK)
            *bad = i;
    }
    ldg_state_free(reader);
    if (r != LDG_R_OK)
        atomic_fetch_add(&a->refused, 1);
    return r;
}

net_admit_stats net_admit_get_stats(net_admit *a)
{
    return (net_admit_stats){.sig_checks = atomic_load(&a->sig_checks),
                             .refused = atomic_load(&a->refused)};
}
