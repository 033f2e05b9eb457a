#include "net_mempool.h"
#include "ldg_assert.h"
#include "net_clock.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct net_mempool {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    net_pending *ring;
    size_t cap, head, count;
    /* id set: open addressing over ring indexes + 1, backward-shift deletion */
    uint32_t *set;
    size_t set_mask;
};

static uint64_t id_hash(const ldg_hash *id)
{
    uint64_t h;
    memcpy(&h, id->b, sizeof h); /* ids are uniform hashes */
    return h;
}

net_mempool *net_mempool_new(size_t cap)
{
    net_mempool *mp = calloc(1, sizeof *mp);
    LDG_ASSERT(mp && cap > 0 && cap < UINT32_MAX / 4);
    mp->cap = cap;
    mp->ring = calloc(cap, sizeof *mp->ring);
    size_t slots = 1;
    while (slots < cap * 2)
        slots <<= 1;
    mp->set = calloc(slots, sizeof *mp->set);
    mp->set_mask = slots - 1;
    LDG_ASSERT(mp->ring && mp->set);
    pthread_mutex_init(&mp->lock, NULL);
    net_clock_cond_init(&mp->cond); /* waits ignore wall clock steps */
    return mp;
}

void net_mempool_free(net_mempool *mp)
{
    if (!mp)
        return;
    for (size_t i = 0; i < mp->count; i++)
        free(mp->ring[(mp->head + i) % mp->cap].wire);
    free(mp->ring);
    free(mp->set);
    pthread_mutex_destroy(&mp->lock);
    pthread_cond_destroy(&mp->cond);
    free(mp);
}

static size_t set_find(net_mempool *mp, const ldg_hash *id, bool *found)
{
    size_t s = id_hash(id) & mp->set_mask;
    while (mp->set[s]) {
        if (memcmp(mp->ring[mp->set[s] - 1].id.b, id->b, LDG_HASH_LEN) == 0) {
            *found = true;
            return s;
        }
        s = (s + 1) & mp->set_mask;
    }
    *found = false;
    return s;
}

static void set_delete(net_mempool *mp, size_t s)
{
    /* Backward-shift deletion keeps probe chains intact without tombstones. */
    size_t hole = s;
    for (size_t j = (s + 1) & mp->set_mask; mp->set[j]; j = (j + 1) & mp->set_mask) {
        size_t home = id_hash(&mp->ring[mp->set[j] - 1].id) & mp->set_mask;
        if (((j - home) & mp->set_mask) >= ((j - hole) & mp->set_mask)) {
            mp->set[hole] = mp->set[j];
            hole = j;
        }
    }
    mp->set[hole] = 0;
}

ldg_result net_mempool_add(net_mempool *mp, const ldg_hash *id, uint8_t *wire, size_t len,
                           uint64_t expiry_ms)
{
    pthread_mutex_lock(&mp->lock);
    bool found;
    size_t s = set_find(mp, id, &found);
    ldg_result r = LDG_R_OK;
    if (found) {
        r = LDG_R_REPLAY;
    } else if (mp->count == mp->cap) {
        r = LDG_R_MEMPOOL_FULL;
    } else {
        size_t pos = (mp->head + mp->count) % mp->cap;
        mp->ring[pos] = (net_pending){*id, wire, len, expiry_ms};
        mp->set[s] = (uint32_t)(pos + 1);
        mp->count++;
        pthread_cond_signal(&mp->cond);
    }
    pthread_mutex_unlock(&mp->lock);
    return r;
}

bool net_mempool_contains(net_mempool *mp, const ldg_hash *id)
{
    pthread_mutex_lock(&mp->lock);
    bool found;
    set_find(mp, id, &found);
    pthread_mutex_unlock(&mp->lock);
    return found;
}

size_t net_mempool_size(net_mempool *mp)
{
    pthread_mutex_lock(&mp->lock);
    size_t n = mp->count;
    pthread_mutex_unlock(&mp->lock);
    return n;
}

size_t net_mempool_peek(net_mempool *mp, net_pending *out, size_t max)
{
    pthread_mutex_lock(&mp->lock);
    size_t n = mp->count < max ? mp->count : max;
    for (size_t i = 0; i < n; i++)
        out[i] = mp->ring[(mp->head + i) % mp->cap];
    pthread_mutex_unlock(&mp->lock);
    return n;
}

void net_mempool_remove_front(net_mempool *mp, size_t n)
{
    pthread_mutex_lock(&mp->lock);
    LDG_ASSERT(n <= mp->count);
    for (size_t i = 0; i < n; i++) {
        net_pending *p = &mp->ring[mp->head];
        bool found;
        size_t s = set_find(mp, &p->id, &found);
        LDG_ASSERT(found);
        set_delete(mp, s);
        free(p->wire);
        p->wire = NULL;
        mp->head = (mp->head + 1) % mp->cap;
        mp->count--;
    }
    pthread_mutex_unlock(&mp->lock);
}

size_t net_mempool_wait(net_mempool *mp, int timeout_ms)
{
    pthread_mutex_lock(&mp->lock);
    if (mp->count == 0) {
        struct timespec ts = net_clock_cond_deadline(timeout_ms > 0 ? (uint64_t)timeout_ms : 0);
        pthread_cond_timedwait(&mp->cond, &mp->lock, &ts);
    }
    size_t n = mp->count;
    pthread_mutex_unlock(&mp->lock);
    return n;
}

void net_mempool_wake(net_mempool *mp)
{
    pthread_mutex_lock(&mp->lock);
    pthread_cond_broadcast(&mp->cond);
    pthread_mutex_unlock(&mp->lock);
}
