/* The signature cache (ldg_sigcache.h): salted hashes of checks that passed, in buckets of
 * four; the parallel fill. */
#include "ldg_sigcache.h"
#include "ldg_limits.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define WAYS 4
#define BUCKETS (LDG_SIGCACHE_SLOTS / WAYS)
#define TAG "folio/sigcache"

/* Keys already lifted to curve points (BIP-340 lift_x, ~4.7 of ~36 us CPU): a
 * sub-chain's validators sign every checkpoint. A pure function of the key, so never stale;
 * open addressing filled to half, then keys are lifted each time. */
typedef struct lifted {
    ldg_pubkey key; /* all-zero = empty */
    ldg_pubkey_point pt;
} lifted;

struct ldg_sigcache {
    pthread_mutex_t lock;
    uint8_t salt[32];
    ldg_hash *slots; /* all-zero = empty (a hash of zero bytes is not reachable in practice) */
    pthread_rwlock_t klock;
    lifted *keys; /* LDG_SIGCACHE_KEY_SLOTS */
    size_t key_count;
    int helpers; /* fill threads still running (under lock); free waits for none */
    pthread_cond_t idle;
    _Atomic uint64_t hits, misses, filled;
};

ldg_sigcache *ldg_sigcache_new(void)
{
    ldg_sigcache *c = calloc(1, sizeof *c);
    LDG_ASSERT(c);
    c->slots = calloc(LDG_SIGCACHE_SLOTS, sizeof *c->slots);
    LDG_ASSERT(c->slots);
    c->keys = calloc(LDG_SIGCACHE_KEY_SLOTS, sizeof *c->keys);
    LDG_ASSERT(c->keys);
    LDG_ASSERT(ldg_random(c->salt, sizeof c->salt) == LDG_OK);
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->idle, NULL);
    pthread_rwlock_init(&c->klock, NULL);
    return c;
}

void ldg_sigcache_wait(ldg_sigcache *c)
{
    pthread_mutex_lock(&c->lock);
    while (c->helpers > 0)
        pthread_cond_wait(&c->idle, &c->lock);
    pthread_mutex_unlock(&c->lock);
}

void ldg_sigcache_free(ldg_sigcache *c)
{
    if (!c)
        return;
    ldg_sigcache_wait(c);
    pthread_cond_destroy(&c->idle);
    pthread_mutex_destroy(&c->lock);
    pthread_rwlock_destroy(&c->klock);
    free(c->keys);
    free(c->slots);
    free(c);
}

/* The entry of a triple: every byte ldg_verify reads, under the process's salt. */
static void entry_of(const ldg_sigcache *c, ldg_hash *out, const ldg_sig *sig, const ldg_hash *msg,
                     const ldg_pubkey *pub)
{
    uint8_t b[32 + LDG_PUBKEY_LEN + LDG_HASH_LEN + LDG_SIG_LEN];
    memcpy(b, c->salt, 32);
    memcpy(b + 32, pub->b, LDG_PUBKEY_LEN);
    memcpy(b + 32 + LDG_PUBKEY_LEN, msg->b, LDG_HASH_LEN);
    memcpy(b + 32 + LDG_PUBKEY_LEN + LDG_HASH_LEN, sig->b, LDG_SIG_LEN);
    ldg_tagged_hash(out, TAG, b, sizeof b);
}

static size_t bucket_of(const ldg_hash *e)
{
    uint32_t x = (uint32_t)e->b[0] | (uint32_t)e->b[1] << 8 | (uint32_t)e->b[2] << 16 |
                 (uint32_t)e->b[3] << 24;
    return (size_t)(x & (BUCKETS - 1)) * WAYS;
}

/* take: the entry is removed when found (a handler asks once per execution; what stays is
 * only what is still to be asked, so a block's entries are not evicted by spent ones). */
static bool has(ldg_sigcache *c, const ldg_hash *e, bool take)
{
    size_t b = bucket_of(e);
    bool found = false;
    pthread_mutex_lock(&c->lock);
    for (size_t i = b; i < b + WAYS && !found; i++) {
        found = !memcmp(c->slots[i].b, e->b, LDG_HASH_LEN);
        if (found && take)
            memset(c->slots[i].b, 0, LDG_HASH_LEN);
    }
    pthread_mutex_unlock(&c->lock);
    return found;
}

/* Into an empty way, else over the way the entry's own bits pick. */
static void add(ldg_sigcache *c, const ldg_hash *e)
{
    static const ldg_hash zero;
    size_t b = bucket_of(e), at = b + (e->b[4] & (WAYS - 1));
    pthread_mutex_lock(&c->lock);
    for (size_t i = b; i < b + WAYS; i++) {
        if (!memcmp(c->slots[i].b, e->b, LDG_HASH_LEN)) {
            pthread_mutex_unlock(&c->lock);
            return;
        }
        if (!memcmp(c->slots[i].b, zero.b, LDG_HASH_LEN))
            at = i;
    }
    c->slots[at] = *e;
    pthread_mutex_unlock(&c->lock);
}

/* The key's first probe: its bytes mixed with the salt (keys cannot be ground into one
 * probe chain without it). */
static size_t key_slot(const ldg_sigcache *c, const ldg_pubkey *pk, bool *found)
{
    static const ldg_pubkey zero;
    uint64_t x = 0;
    for (int i = 0; i < 8; i++)
        x = x << 8 | (uint64_t)(pk->b[i] ^ c->salt[i]);
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    size_t i = (size_t)x & (LDG_SIGCACHE_KEY_SLOTS - 1);
    while (memcmp(c->keys[i].key.b, zero.b, LDG_PUBKEY_LEN)) {
        if (!memcmp(c->keys[i].key.b, pk->b, LDG_PUBKEY_LEN)) {
            *found = true;
            return i;
        }
        i = (i + 1) & (LDG_SIGCACHE_KEY_SLOTS - 1);
    }
    *found = false;
    return i;
}

/* ldg_verify with the key lifted once. */
static bool verify_lifted(ldg_sigcache *c, const ldg_sig *sig, const ldg_hash *msg,
                          const ldg_pubkey *pub)
{
    bool found;
    ldg_pubkey_point pt;
    pthread_rwlock_rdlock(&c->klock);
    size_t i = key_slot(c, pub, &found);
    if (found)
        pt = c->keys[i].pt;
    pthread_rwlock_unlock(&c->klock);
    if (!found) {
        if (!ldg_pubkey_lift(&pt, pub))
            return false; /* not a key: ldg_verify says no too */
        pthread_rwlock_wrlock(&c->klock);
        i = key_slot(c, pub, &found);
        if (!found && c->key_count < LDG_SIGCACHE_KEY_SLOTS / 2) {
            c->keys[i] = (lifted){.key = *pub, .pt = pt};
            c->key_count++;
        }
        pthread_rwlock_unlock(&c->klock);
    }
    return ldg_verify_point(sig, msg, &pt);
}

bool ldg_sigcache_verify(ldg_sigcache *c, const ldg_sig *sig, const ldg_hash *msg,
                         const ldg_pubkey *pub)
{
    if (!c)
        return ldg_verify(sig, msg, pub);
    ldg_hash e;
    entry_of(c, &e, sig, msg, pub);
    if (has(c, &e, true)) {
        atomic_fetch_add_explicit(&c->hits, 1, memory_order_relaxed);
        return true;
    }
    atomic_fetch_add_explicit(&c->misses, 1, memory_order_relaxed);
    return verify_lifted(c, sig, msg, pub); /* not remembered: the handler's verdict is final */
}

/* Threads take jobs a few at a time from a shared counter rather than fixed shares, and the
 * caller (the executor) does not wait for its helpers: on a busy machine a helper may not
 * run for a scheduler slice, and the executor then takes the rest itself and goes on to the
 * block; what a helper still holds is verified inline if asked before it is done (the same
 * verdict). The job list is the helpers' own copy, freed by the last one out. */
#define GRAB 2

typedef struct fill_job {
    ldg_sigcache *c;
    const ldg_sigjob *jobs;
    uint32_t n;
    _Atomic uint32_t next;
    _Atomic int refs;
    ldg_sigjob *own; /* the copy, when helpers share it */
} fill_job;

static void fill_run(fill_job *j)
{
    for (;;) {
        uint32_t b = atomic_fetch_add_explicit(&j->next, GRAB, memory_order_relaxed);
        if (b >= j->n)
            return;
        uint32_t e = j->n - b < GRAB ? j->n : b + GRAB;
        for (uint32_t i = b; i < e; i++) {
            const ldg_sigjob *s = &j->jobs[i];
            ldg_hash h;
            entry_of(j->c, &h, &s->sig, &s->msg, &s->pub);
            if (has(j->c, &h, false) || !verify_lifted(j->c, &s->sig, &s->msg, &s->pub))
                continue;
            add(j->c, &h);
            atomic_fetch_add_explicit(&j->c->filled, 1, memory_order_relaxed);
        }
    }
}

static void fill_release(fill_job *j)
{
    if (atomic_fetch_sub_explicit(&j->refs, 1, memory_order_acq_rel) == 1) {
        free(j->own);
        free(j);
    }
}

static void *fill_helper(void *arg)
{
    fill_job *j = arg;
    ldg_sigcache *c = j->c;
    fill_run(j);
    fill_release(j);
    pthread_mutex_lock(&c->lock);
    if (--c->helpers == 0)
        pthread_cond_broadcast(&c->idle);
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

void ldg_sigcache_fill(ldg_sigcache *c, const ldg_sigjob *jobs, uint32_t n, unsigned threads)
{
    enum { THREADS_MAX = 64 };
    if (threads > THREADS_MAX)
        threads = THREADS_MAX;
    if (threads > n / (2 * GRAB))
        threads = n / (2 * GRAB); /* a thread costs about one verification to start */
    if (threads <= 1) {
        fill_job j = {.c = c, .jobs = jobs, .n = n};
        atomic_init(&j.next, 0);
        fill_run(&j);
        return;
    }
    fill_job *j = calloc(1, sizeof *j);
    ldg_sigjob *own = malloc((size_t)n * sizeof *own);
    LDG_ASSERT(j && own);
    memcpy(own, jobs, (size_t)n * sizeof *own);
    *j = (fill_job){.c = c, .jobs = own, .n = n, .own = own};
    atomic_init(&j->next, 0);
    atomic_init(&j->refs, 1);
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    for (unsigned t = 1; t < threads; t++) { /* this thread is the first */
        atomic_fetch_add(&j->refs, 1);
        pthread_mutex_lock(&c->lock);
        c->helpers++;
        pthread_mutex_unlock(&c->lock);
        pthread_t tid;
        if (pthread_create(&tid, &at, fill_helper, j) != 0) { /* its share left to the others */
            atomic_fetch_sub(&j->refs, 1);
            pthread_mutex_lock(&c->lock);
            c->helpers--;
            pthread_mutex_unlock(&c->lock);
        }
    }
    pthread_attr_destroy(&at);
    fill_run(j);
    fill_release(j);
}

ldg_sigcache_stats ldg_sigcache_get_stats(ldg_sigcache *c)
{
    if (!c)
        return (ldg_sigcache_stats){0};
    return (ldg_sigcache_stats){.hits = atomic_load(&c->hits),
                                .misses = atomic_load(&c->misses),
                                .filled = atomic_load(&c->filled)};
}
